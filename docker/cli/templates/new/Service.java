package @PACKAGE@;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import io.sparkplug.http.SparkPlugHttp;
import java.nio.file.Files;
import java.util.concurrent.TimeoutException;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;

/**
 * @NAME@: a web service computed by a Spark streaming query. {@code POST /hello} with a name in the
 * body answers {@code {"greeting":"Hello, Ada!"}}; {@code GET /hello} greets the world.
 *
 * <p>Every HTTP request is a row (id, method, path, query, headers, body, receivedAt); the rows the
 * query writes back (id, body, optional status and headers) are the replies, matched to the waiting
 * clients by {@code id}. Replace {@link #replies} with your own computation.
 *
 * <p>Settings, each a system property (spark-submit: {@code --driver-java-options "-Dport=..."})
 * or else an environment variable, as {@code sparkplug submit} passes both:
 *
 * <ul>
 *   <li>{@code port} / {@code SPARKPLUG_PORT}: port, or a range like {@code 9090-9099} in executor
 *       mode (default 8080);
 *   <li>{@code mode} / {@code SPARKPLUG_MODE}: {@code driver} (one server on the driver) or {@code
 *       executor} (one server per executor, behind a load balancer);
 *   <li>{@code controlPort} / {@code SPARKPLUG_CONTROL_PORT}: the driver's internal endpoint, which
 *       also lists the servers at {@code GET /-/servers} (default 0: any free port);
 *   <li>{@code checkpoint} / {@code SPARKPLUG_CHECKPOINT}: checkpoint location (default: a new
 *       temporary directory);
 *   <li>{@code trigger} / {@code SPARKPLUG_TRIGGER}: {@code realtime} (default: Spark's real-time
 *       mode, replies in well under a millisecond) or {@code microbatch} (for plans real-time mode
 *       cannot run: shuffles, aggregations, {@code foreachBatch});
 *   <li>{@code master}: Spark master when started without spark-submit (default {@code local[*]}).
 * </ul>
 */
public final class @CLASS@ {
  private @CLASS@() {}

  /** The computation: one reply row per request row. */
  static Dataset<Row> replies(Dataset<Row> requests) {
    Column name = trim(col("body").cast("string"));
    Column who = when(name.isNull().or(length(name).equalTo(0)), lit("world")).otherwise(name);
    Column greeting = concat(lit("Hello, "), who, lit("!"));
    // Keep the request id: it is how the reply finds its client.
    return requests.select(col("id"), to_json(struct(greeting.as("greeting"))).as("body"));
  }

  /** Starts the serving query. */
  static StreamingQuery start(
      SparkSession spark,
      String port,
      String mode,
      String controlPort,
      String checkpoint,
      String trigger)
      throws TimeoutException {
    Dataset<Row> requests =
        spark
            .readStream()
            .format("sparkplug-http")
            .option("port", port)
            .option("mode", mode)
            .option("controlPort", controlPort)
            .option("path", "/hello")
            .option("methods", "GET,POST")
            .load();
    // The sparkplug-http sink, in real-time mode unless micro-batches are asked for.
    return SparkPlugHttp.serve(replies(requests), SparkPlugHttp.trigger(trigger))
        .option("contentType", "application/json")
        .option("checkpointLocation", checkpoint)
        .queryName("@NAME@")
        .start();
  }

  /** A system property, else an environment variable, else the fallback. */
  static String setting(String property, String variable, String fallback) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      value = System.getenv(variable);
    }
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  public static void main(String[] args) throws Exception {
    String port = setting("port", "SPARKPLUG_PORT", "8080");
    String mode = setting("mode", "SPARKPLUG_MODE", "driver");
    String controlPort = setting("controlPort", "SPARKPLUG_CONTROL_PORT", "0");
    String checkpoint = setting("checkpoint", "SPARKPLUG_CHECKPOINT", "");
    String trigger = setting("trigger", "SPARKPLUG_TRIGGER", "realtime");
    if (checkpoint.isEmpty()) {
      checkpoint = Files.createTempDirectory("@NAME@-checkpoint").toString();
    }
    // spark-submit sets spark.master; started with plain java, -Dmaster= or local[*].
    String master = setting("master", "SPARKPLUG_MASTER", System.getProperty("spark.master", ""));
    // The connector's low-latency serving settings in one step (its docs/performance.md).
    SparkSession.Builder builder =
        SparkPlugHttp.servingSession(SparkSession.builder().appName("@NAME@"));
    builder = builder.master(master.isEmpty() ? "local[*]" : master);
    SparkSession spark = builder.getOrCreate();

    StreamingQuery query = start(spark, port, mode, controlPort, checkpoint, trigger);
    // On Ctrl-C or SIGTERM, stop between two batches: stop accepting, answer what was accepted.
    // Through Hadoop's hook manager at a priority (100) that runs before Spark's own hook (40).
    ShutdownHookManager.get()
        .addShutdownHook(
            () -> {
              try {
                SparkPlugHttp.stop(query);
              } catch (TimeoutException e) {
                System.err.println("query did not stop in time: " + e.getMessage());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            100);
    System.out.println(
        "@NAME@: serving /hello on port " + port + " (mode " + mode + ", trigger " + trigger + ")");
    try {
      query.awaitTermination();
    } finally {
      spark.stop();
    }
  }
}
