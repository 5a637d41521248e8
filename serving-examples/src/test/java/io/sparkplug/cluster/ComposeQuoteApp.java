package io.sparkplug.cluster;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF0;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The README's price-quote API ({@code POST /quote}, the same request and reply bodies and the same
 * price list as {@code io.sparkplug.examples.QuoteService}, restated here because the stack's
 * driver has only this test jar and the connector on its class path) as {@code ComposeStackIT}
 * submits it to the container stack with {@code sparkplug submit --mode executor}. QuoteService
 * itself always serves in driver mode; this one takes its settings the way every container
 * application does, from {@code SPARKPLUG_PORT} (a range in executor mode), {@code SPARKPLUG_MODE},
 * {@code SPARKPLUG_CONTROL_PORT} and {@code SPARKPLUG_CHECKPOINT} (on the stack's HDFS), and marks
 * every reply with {@code x-served-by}, the executor that computed it.
 */
public final class ComposeQuoteApp {
  private static final StructType QUOTE_REQUEST =
      new StructType()
          .add("item", DataTypes.StringType)
          .add("quantity", DataTypes.IntegerType)
          .add("_corrupt_record", DataTypes.StringType);

  private ComposeQuoteApp() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    String mode = env.getOrDefault("SPARKPLUG_MODE", "executor");
    String checkpoint = env.get("SPARKPLUG_CHECKPOINT");
    if (checkpoint == null || checkpoint.isBlank()) {
      throw new IllegalArgumentException("SPARKPLUG_CHECKPOINT is not set");
    }
    SparkSession spark =
        SparkSession.builder()
            .appName("sparkplug-http-quote-service-executors")
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.sql.streaming.pollingDelay", "5ms")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");

    DataStreamReader reader =
        spark
            .readStream()
            .format("sparkplug-http")
            .option("port", env.getOrDefault("SPARKPLUG_PORT", "9090-9099"))
            .option("mode", mode)
            .option("path", "/quote")
            .option("methods", "POST")
            // ComposeStackIT holds every client to this deadline, a kill of a Worker included.
            .option("requestTimeout", env.getOrDefault("SPARKPLUG_REQUEST_TIMEOUT", "20s"));
    String controlPort = env.get("SPARKPLUG_CONTROL_PORT");
    if (controlPort != null && !controlPort.isBlank()) {
      reader = reader.option("controlPort", controlPort);
    }
    Dataset<Row> requests = reader.load();

    Column parsed =
        from_json(col("body").cast("string"), QUOTE_REQUEST, Map.of("mode", "PERMISSIVE"));
    Dataset<Row> quotes =
        requests
            .select(col("id"), parsed.as("q"))
            .select(
                col("id"),
                col("q").isNull().or(col("q._corrupt_record").isNotNull()).as("malformed"),
                col("q.item"),
                col("q.quantity"));
    Dataset<Row> priced =
        quotes.join(broadcast(prices(spark)), new String[] {"item"}, "left_outer");

    Column quantity = col("quantity");
    Column error =
        when(
                col("malformed"),
                lit("body must be a JSON object like {\"item\":\"apple\",\"quantity\":3}"))
            .when(col("item").isNull(), lit("missing field 'item'"))
            .when(quantity.isNull(), lit("missing field 'quantity'"))
            .when(quantity.leq(0), lit("quantity must be positive"))
            .when(col("unitPrice").isNull(), concat(lit("unknown item '"), col("item"), lit("'")));
    Column status =
        when(col("malformed"), 400)
            .when(col("item").isNull().or(quantity.isNull()).or(quantity.leq(0)), 400)
            .when(col("unitPrice").isNull(), 404)
            .otherwise(200);
    Column quote =
        struct(
            col("item"),
            quantity,
            col("unitPrice"),
            round(col("unitPrice").multiply(quantity), 2).as("total"));
    UserDefinedFunction executorId =
        udf((UDF0<String>) () -> SparkEnv.get().executorId(), DataTypes.StringType)
            .asNondeterministic();
    Dataset<Row> replies =
        priced.select(
            col("id"),
            when(error.isNull(), to_json(quote))
                .otherwise(to_json(struct(error.as("error"))))
                .as("body"),
            status.as("status"),
            map(lit("x-served-by"), executorId.apply()).as("headers"));

    StreamingQuery query =
        replies
            .writeStream()
            .format("sparkplug-http")
            .option("contentType", "application/json")
            .option("checkpointLocation", checkpoint)
            .queryName("quote-service")
            .start();
    System.out.println("quote service started in " + mode + " mode, checkpoint " + checkpoint);
    query.awaitTermination();
  }

  /** The price list of the README's example. */
  private static Dataset<Row> prices(SparkSession spark) {
    StructType schema =
        new StructType()
            .add("item", DataTypes.StringType, false)
            .add("unitPrice", DataTypes.DoubleType, false);
    List<Row> rows =
        List.of(
            RowFactory.create("apple", 0.5),
            RowFactory.create("banana", 0.25),
            RowFactory.create("cherry", 0.1),
            RowFactory.create("mango", 1.2),
            RowFactory.create("orange", 0.75),
            RowFactory.create("pear", 0.6));
    return spark.createDataFrame(rows, schema);
  }
}
