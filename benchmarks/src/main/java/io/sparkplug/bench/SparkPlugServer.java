package io.sparkplug.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.upper;

import java.nio.file.Files;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The system under test: the benchmark scenarios served by sparkplug-http on an embedded Spark.
 * {@code /echo} answers the request body; {@code /json} answers what {@link BareHttpHandler}
 * answers, computed with Spark SQL.
 */
public final class SparkPlugServer {
  private static final Set<String> KNOWN =
      Set.of("--port", "--master", "--partitions", "--checkpoint-root", "--max-seconds");
  private static final StructType PAYLOAD =
      new StructType().add("name", DataTypes.StringType).add("amount", DataTypes.DoubleType);

  private static String checkpointRoot;

  private SparkPlugServer() {}

  /** {@code --port P [--master local[2]] [--partitions N] [--max-seconds S]}; prints READY. */
  public static void main(String[] args) throws Exception {
    Arguments a;
    try {
      a = Arguments.parse(args, KNOWN);
    } catch (InvalidArgumentException e) {
      System.err.println("invalid argument " + e.getMessage());
      System.exit(2);
      return;
    }
    int port = a.integer("--port", 8080, 1, 65_535);
    String master = a.string("--master").orElse("local[2]");
    int partitions = a.integer("--partitions", 1, 1, 1024);
    int maxSeconds = a.integer("--max-seconds", 3600, 1, Integer.MAX_VALUE);
    checkpointRoot = a.string("--checkpoint-root").orElse(System.getProperty("java.io.tmpdir"));

    SparkSession spark =
        SparkSession.builder()
            .master(master)
            .appName("sparkplug-http-benchmark")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.streaming.pollingDelay", "1ms")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    PhaseTimes phases = new PhaseTimes();
    spark.streams().addListener(phases);
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> System.err.println("phases: " + phases.summary())));

    StreamingQuery echo =
        serve(requests(spark, port, "/echo", partitions).select(col("id"), col("body")), "echo");
    Dataset<Row> payload =
        requests(spark, port, "/json", partitions)
            .select(col("id"), from_json(col("body").cast("string"), PAYLOAD).as("p"));
    StreamingQuery json =
        serve(
            payload.select(
                col("id"),
                to_json(
                        struct(
                            upper(col("p.name")).as("name"),
                            col("p.amount").as("amount"),
                            col("p.amount").multiply(1.2).as("amountWithTax")))
                    .as("body")),
            "json");

    System.out.println("READY " + port);
    System.out.flush();
    spark.streams().awaitAnyTermination(maxSeconds * 1000L);
    echo.stop();
    json.stop();
    spark.stop();
  }

  private static Dataset<Row> requests(SparkSession spark, int port, String path, int partitions) {
    return spark
        .readStream()
        .format("sparkplug-http")
        .option("port", port)
        .option("path", path)
        .option("numPartitions", partitions)
        .option("maxPendingRequests", 200_000)
        .load();
  }

  private static StreamingQuery serve(Dataset<Row> replies, String name) throws Exception {
    return replies
        .writeStream()
        .queryName(name)
        .format("sparkplug-http")
        .option(
            "checkpointLocation",
            Files.createTempDirectory(java.nio.file.Path.of(checkpointRoot), "bench-" + name)
                .toString())
        .start();
  }
}
