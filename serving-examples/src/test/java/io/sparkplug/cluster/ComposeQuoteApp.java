package io.sparkplug.cluster;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.udf;

import io.sparkplug.examples.QuoteService;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF0;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.types.DataTypes;

/**
 * The README's price-quote API, computed by {@link QuoteService#replies} itself, as {@code
 * ComposeStackIT} submits it to the container stack with {@code sparkplug submit --mode executor
 * --jars <the examples jar>}. QuoteService's own main serves in driver mode only; this one takes
 * its settings the way every container application does, from {@code SPARKPLUG_PORT} (a range in
 * executor mode), {@code SPARKPLUG_MODE}, {@code SPARKPLUG_CONTROL_PORT} and {@code
 * SPARKPLUG_CHECKPOINT} (on the stack's HDFS), and marks every reply with {@code x-served-by}, the
 * executor that computed it.
 */
public final class ComposeQuoteApp {

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
            .option("requestSchema", QuoteService.QUOTE_REQUEST)
            // ComposeStackIT holds every client to this deadline, a kill of a Worker included.
            .option("requestTimeout", env.getOrDefault("SPARKPLUG_REQUEST_TIMEOUT", "20s"));
    String controlPort = env.get("SPARKPLUG_CONTROL_PORT");
    if (controlPort != null && !controlPort.isBlank()) {
      reader = reader.option("controlPort", controlPort);
    }
    Dataset<Row> requests = reader.load();

    // QuoteService's own computation, each reply marked with the executor that computed it.
    UserDefinedFunction executorId =
        udf((UDF0<String>) () -> SparkEnv.get().executorId(), DataTypes.StringType)
            .asNondeterministic();
    Dataset<Row> replies =
        QuoteService.replies(spark, requests)
            .withColumn("headers", map(lit("x-served-by"), executorId.apply()));

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
}
