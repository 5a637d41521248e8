package io.sparkplug.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.upper;

import io.sparkplug.http.SparkPlugHttp;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The system under test: the benchmark scenarios served by sparkplug-http on an embedded Spark.
 * {@code /echo} answers the request body; {@code /json} and {@code /score} answer what {@link
 * BareHttpHandler} answers, computed with Spark SQL and Spark ML.
 */
public final class SparkPlugServer {
  private static final Set<String> KNOWN =
      Set.of(
          "--port",
          "--master",
          "--partitions",
          "--checkpoint-root",
          "--trigger",
          "--scenario",
          "--batch-seconds",
          "--max-seconds",
          "--warm-up-batches",
          "--warm-up-batch-time");
  private static final StructType PAYLOAD =
      new StructType().add("name", DataTypes.StringType).add("amount", DataTypes.DoubleType);

  private final SparkSession spark;
  private final int port;
  private final int partitions;
  private final String checkpointRoot;
  private final boolean realTime;
  private final int batchSeconds;
  private final Map<String, String> sourceOptions = new HashMap<>();

  private SparkPlugServer(
      SparkSession spark,
      int port,
      int partitions,
      String checkpointRoot,
      boolean realTime,
      int batchSeconds) {
    this.spark = spark;
    this.port = port;
    this.partitions = partitions;
    this.checkpointRoot = checkpointRoot;
    this.realTime = realTime;
    this.batchSeconds = batchSeconds;
  }

  /** A {@code sparkplug-http} reader with the options every scenario shares. */
  private DataStreamReader source() {
    return spark.readStream().format("sparkplug-http").options(sourceOptions);
  }

  /**
   * {@code --port P [--master local[2]] [--trigger micro-batch|real-time] [--scenario
   * echo|json|json-typed|ml|ml-oip|hold|all, or several joined by commas] [--batch-seconds 30]
   * [--partitions N] [--checkpoint-root DIR] [--max-seconds S] [--warm-up-batches N]
   * [--warm-up-batch-time 100ms]}; prints READY.
   */
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
    String checkpointRoot =
        a.string("--checkpoint-root").orElse(System.getProperty("java.io.tmpdir"));
    boolean realTime = a.string("--trigger").orElse("micro-batch").equals("real-time");
    String scenario = a.string("--scenario").orElse("all");
    // Real-time mode: how often offsets are logged; the readers pause briefly at each boundary.
    int batchSeconds = a.integer("--batch-seconds", 30, 5, 3600);
    Optional<String> warmUpBatches = a.string("--warm-up-batches");
    Optional<String> warmUpBatchTime = a.string("--warm-up-batch-time");

    SparkSession spark =
        SparkSession.builder()
            .master(master)
            .appName("sparkplug-http-benchmark")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    if (realTime) {
      // The sparkplug-http sink is not on Spark's real-time allowlist (docs/performance.md).
      spark.conf().set("spark.sql.streaming.realTimeMode.allowlistCheck", "false");
    }
    PhaseTimes phases = new PhaseTimes();
    spark.streams().addListener(phases);
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> System.err.println("phases: " + phases.summary())));

    SparkPlugServer server =
        new SparkPlugServer(spark, port, partitions, checkpointRoot, realTime, batchSeconds);
    // The connector's warm-up options, when given: to compare warm-ups against the default.
    warmUpBatches.ifPresent(v -> server.sourceOptions.put("warmUpBatches", v));
    warmUpBatchTime.ifPresent(v -> server.sourceOptions.put("warmUpBatchTime", v));
    List<StreamingQuery> queries = new ArrayList<>();
    if (scenario.equals("all") || scenario.equals("echo")) {
      queries.add(server.echo());
    }
    Set<String> scenarios = Set.of(scenario.split(","));
    if (scenario.equals("all") || scenarios.contains("json")) {
      queries.add(server.json());
    }
    if (scenarios.contains("json-typed")) {
      queries.add(server.jsonTyped());
    }
    if (scenario.equals("all") || scenario.equals("ml")) {
      queries.add(server.score());
    }
    if (scenarios.contains("ml-oip")) {
      queries.add(server.scoreOip());
    }
    if (scenario.equals("hold")) {
      queries.add(server.hold());
      reportPending(queries.get(0));
    }
    if (realTime) {
      // As the examples do: READY once the connector's warm-up batches have ended.
      for (StreamingQuery query : queries) {
        SparkPlugHttp.awaitWarmUp(query, Duration.ofMinutes(2));
      }
    }
    System.out.println("READY " + port);
    System.out.flush();
    spark.streams().awaitAnyTermination(maxSeconds * 1000L);
    for (StreamingQuery query : queries) {
      query.stop();
    }
    spark.stop();
  }

  private StreamingQuery echo() throws Exception {
    return serve(requests("/echo").select(col("id"), col("body")), "echo");
  }

  private StreamingQuery json() throws Exception {
    Dataset<Row> payload =
        requests("/json").select(col("id"), from_json(col("body").cast("string"), PAYLOAD).as("p"));
    return serve(
        payload.select(
            col("id"),
            to_json(
                    struct(
                        upper(col("p.name")).as("name"),
                        col("p.amount").as("amount"),
                        col("p.amount").multiply(1.2).as("amountWithTax")))
                .as("body")),
        "json");
  }

  /**
   * The json scenario with the body typed by the server ({@code requestSchema}) instead of {@code
   * from_json} in the plan: the same replies, on {@code /json-typed}.
   */
  private StreamingQuery jsonTyped() throws Exception {
    Dataset<Row> typed =
        source()
            .option("port", port)
            .option("path", "/json-typed")
            .option("numPartitions", partitions)
            .option("maxPendingRequests", 200_000)
            .option("requestSchema", "name STRING, amount DOUBLE")
            .load();
    return serve(
        typed.select(
            col("id"),
            to_json(
                    struct(
                        upper(col("request.name")).as("name"),
                        col("request.amount").as("amount"),
                        col("request.amount").multiply(1.2).as("amountWithTax")))
                .as("body")),
        "json-typed");
  }

  private StreamingQuery score() throws Exception {
    return serve(MlScenario.score(MlScenario.train(spark), requests("/score")), "score");
  }

  /**
   * The ml scenario over the Open Inference Protocol: {@code POST /v2/models/logreg/infer} with an
   * FP64 input {@code features} of shape [4]; outputs {@code probability} and {@code prediction}.
   */
  private StreamingQuery scoreOip() throws Exception {
    Dataset<Row> requests =
        source()
            .option("port", port)
            .option("protocol", "oip")
            .option("model", "logreg")
            .option("requestSchema", MlScenario.OIP_INPUTS)
            .option("numPartitions", partitions)
            .option("maxPendingRequests", 200_000)
            .load();
    return serve(MlScenario.scoreOip(MlScenario.train(spark), requests), "score-oip", "oip");
  }

  /** Reads every request and answers none: the requests stay pending until their timeout. */
  private StreamingQuery hold() throws Exception {
    Dataset<Row> held =
        source()
            .option("port", port)
            .option("path", "/hold")
            .option("maxPendingRequests", 200_000)
            .option("requestTimeout", "10min")
            // PendingClient pipelines 100 requests on each connection.
            .option("maxPipelinedRequests", 100)
            .load();
    return serve(held.select(col("id"), col("body")).filter(lit(false)), "hold");
  }

  /**
   * Prints, every second, the pending count from the query's progress and the heap in use right
   * after a full collection: what pending requests cost, measured from inside the driver.
   */
  private static void reportPending(StreamingQuery query) {
    Thread reporter =
        new Thread(
            () -> {
              while (query.isActive()) {
                var progress = query.lastProgress();
                if (progress != null && progress.sources().length > 0) {
                  System.gc();
                  long heap =
                      ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
                  System.out.println(
                      "PENDING "
                          + progress.sources()[0].metrics().get("requestsPending")
                          + " HEAP_MB "
                          + heap);
                  System.out.flush();
                }
                try {
                  Thread.sleep(1000);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "pending-reporter");
    reporter.setDaemon(true);
    reporter.start();
  }

  private Dataset<Row> requests(String path) {
    return source()
        .option("port", port)
        .option("path", path)
        .option("numPartitions", partitions)
        .option("maxPendingRequests", 200_000)
        .load();
  }

  private StreamingQuery serve(Dataset<Row> replies, String name) throws Exception {
    return serve(replies, name, "http");
  }

  private StreamingQuery serve(Dataset<Row> replies, String name, String protocol)
      throws Exception {
    DataStreamWriter<Row> writer =
        replies.writeStream().queryName(name).format("sparkplug-http").option("protocol", protocol);
    if (realTime) {
      writer = writer.outputMode("update").trigger(Trigger.RealTime(batchSeconds * 1000L));
    }
    return writer
        .option(
            "checkpointLocation",
            Files.createTempDirectory(Path.of(checkpointRoot), "bench-" + name).toString())
        .start();
  }
}
