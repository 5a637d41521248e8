package @PACKAGE@;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import io.sparkplug.http.SparkPlugHttp;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;

/**
 * @NAME@: a web service computed by a Spark streaming query.
 *
 * <ul>
 *   <li>{@code POST /hello} with a JSON body {@code {"name":"Ada"}} (and optionally {@code
 *       "salutation":"Bonjour"}) answers {@code {"greeting":"Hello, Ada!"}}. The connector checks
 *       the body against {@link #HELLO_SCHEMA} before the query sees it: a body without a string
 *       {@code name} gets {@code 400 application/problem+json} naming the field, and never becomes
 *       a row.
 *   <li>{@code GET /hello/Ada} answers the same greeting: {@code /hello/{name}} is a path template,
 *       and the row's {@code params} column holds {@code name}.
 * </ul>
 *
 * <p>One source serves one path, so the service has two sources on one port and one query over
 * their union. Every HTTP request is a row (id, method, path, query, headers, body, receivedAt,
 * params, and for the typed source {@code request}); the rows the query writes back (id, body,
 * optional status and headers) are the replies, matched to the waiting clients by {@code id}.
 * Replace {@link #replies} with your own computation. Every port also publishes an OpenAPI document
 * of its services at {@code GET /-/openapi.json}.
 *
 * <p>Settings, each a system property (spark-submit: {@code --driver-java-options "-Dport=..."})
 * or else an environment variable, as {@code sparkplug submit} passes both:
 *
 * <ul>
 *   <li>{@code port} / {@code SPARKPLUG_PORT}: port, or a range like {@code 9090-9099} in executor
 *       mode (default 8080);
 *   <li>{@code mode} / {@code SPARKPLUG_MODE}: {@code driver} (one server on the driver) or {@code
 *       executor} (one server per executor, behind a load balancer);
 *   <li>{@code controlPort} / {@code SPARKPLUG_CONTROL_PORT}: the driver's internal endpoint of
 *       {@code POST /hello}, which also lists the servers at {@code GET /-/servers} (default 0: any
 *       free port);
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

  /**
   * The JSON body {@code POST /hello} takes, as Spark DDL: {@code name} is required, {@code
   * salutation} may be left out (or null).
   */
  static final String HELLO_SCHEMA = "name STRING NOT NULL, salutation STRING";

  /** The JSON shape of every reply, published in {@code /-/openapi.json}. */
  static final String REPLY_SCHEMA = "greeting STRING NOT NULL";

  /**
   * The computation: one reply row per request row, from both sources. {@code posted} has the
   * typed {@code request} column (the body, already checked); {@code named} has the path template's
   * value in {@code params}.
   */
  static Dataset<Row> replies(Dataset<Row> posted, Dataset<Row> named) {
    Dataset<Row> fromBody =
        posted.select(
            col("id"),
            greeting(coalesce(col("request.salutation"), lit("Hello")), col("request.name")));
    Dataset<Row> fromPath =
        named.select(col("id"), greeting(lit("Hello"), col("params").getItem("name")));
    // Keep the request id: it is how the reply finds its client.
    return fromBody.union(fromPath);
  }

  /** {"greeting":"<salutation>, <name>!"} as the reply body. */
  private static Column greeting(Column salutation, Column name) {
    Column text = concat(salutation, lit(", "), name, lit("!"));
    return to_json(struct(text.as("greeting"))).as("body");
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
    // POST /hello: a typed source. The server parses and checks each JSON body against the schema.
    Dataset<Row> posted =
        spark
            .readStream()
            .format("sparkplug-http")
            .option("port", port)
            .option("mode", mode)
            .option("controlPort", controlPort)
            .option("path", "/hello")
            .option("methods", "POST")
            .option("requestSchema", HELLO_SCHEMA)
            .load();
    // GET /hello/{name}: a second source on the same port (the longer path wins /hello/Ada). Each
    // source has its own internal endpoint, so this one takes any free port.
    Dataset<Row> named =
        spark
            .readStream()
            .format("sparkplug-http")
            .option("port", port)
            .option("mode", mode)
            .option("controlPort", "0")
            .option("path", "/hello/{name}")
            .option("methods", "GET")
            .load();
    // The sparkplug-http sink, in real-time mode unless micro-batches are asked for.
    return SparkPlugHttp.serve(replies(posted, named), SparkPlugHttp.trigger(trigger))
        .option("contentType", "application/json")
        .option("replySchema", REPLY_SCHEMA)
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
    AtomicBoolean stopping = new AtomicBoolean();
    ShutdownHookManager.get()
        .addShutdownHook(
            () -> {
              stopping.set(true);
              try {
                SparkPlugHttp.stop(query);
              } catch (TimeoutException e) {
                System.err.println("query did not stop in time: " + e.getMessage());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            100);
    if (!trigger.trim().equalsIgnoreCase("microbatch")) {
      // Real-time mode: the connector's warm-up batches, whose boundaries are the slowest, end in
      // seconds; say we serve once they have.
      SparkPlugHttp.awaitWarmUp(query, Duration.ofMinutes(2));
    }
    System.out.println(
        "@NAME@: serving POST /hello and GET /hello/{name} on port "
            + port
            + " (mode "
            + mode
            + ", trigger "
            + trigger
            + ")");
    try {
      query.awaitTermination();
    } finally {
      // On Ctrl-C the hook above is still stopping the query and Spark's own hook stops Spark after
      // it; otherwise (the query failed) stop Spark here, or its threads keep the JVM alive.
      if (!stopping.get()) {
        spark.stop();
      }
    }
  }
}
