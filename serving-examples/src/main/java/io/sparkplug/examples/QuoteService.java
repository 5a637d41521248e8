package io.sparkplug.examples;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.try_element_at;
import static org.apache.spark.sql.functions.when;

import io.sparkplug.http.SparkPlugHttp;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;

/**
 * A price-quote service: {@code POST /quote} with {@code {"item":"apple","quantity":3}} answers
 * {@code {"item":"apple","quantity":3,"unitPrice":0.5,"total":1.5}}.
 *
 * <p>Every HTTP request is a row of a streaming query; the query's output rows are the replies,
 * matched to their requests by the {@code id} column. Run it with {@code mvn -q -Pserve -pl
 * serving-examples -am verify} ({@code -Dport=}, {@code -Dmaster=}, {@code -Dcheckpoint=} to change
 * the defaults).
 */
public final class QuoteService {
  /**
   * What a request body must look like, as the source's {@code requestSchema}: the server checks
   * every body against it before the query sees it, and answers a body that does not match with 400
   * and a problem document naming the field (not JSON, a missing field, a string quantity).
   */
  public static final String QUOTE_REQUEST = "item STRING NOT NULL, quantity INT NOT NULL";

  private QuoteService() {}

  /** The price list; a real service would read a table instead. */
  static final Map<String, Double> PRICES =
      Map.of(
          "apple", 0.5, "banana", 0.25, "cherry", 0.1, "mango", 1.2, "orange", 0.75, "pear", 0.6);

  /**
   * The price list as a literal map in the plan, read once when the query starts. A lookup in it is
   * an expression on each row: unlike a join with a table, nothing is planned, broadcast or built
   * again at each batch, which is what a batch boundary (and every micro-batch) would pay.
   */
  static Column priceList() {
    List<Column> entries = new ArrayList<>();
    new TreeMap<>(PRICES)
        .forEach(
            (item, price) -> {
              entries.add(lit(item));
              entries.add(lit(price));
            });
    return map(entries.toArray(new Column[0]));
  }

  /**
   * The computation: a reply row ({@code id}, {@code body}, {@code status}) for every request row
   * of a {@code sparkplug-http} source.
   */
  public static Dataset<Row> replies(SparkSession spark, Dataset<Row> requests) {
    // Keep the request id: it is how each reply finds its way back to the waiting client. The
    // body arrives parsed and checked, as the typed column `request`.
    Dataset<Row> quotes = requests.select(col("id"), col("request.item"), col("request.quantity"));

    // The price of the item, or null for an unknown one (try_element_at does not fail on a
    // missing key).
    Dataset<Row> priced = quotes.withColumn("unitPrice", try_element_at(priceList(), col("item")));

    // What the schema cannot say is the query's to check: a positive quantity, a known item.
    // A null error means the quote succeeded.
    Column quantity = col("quantity");
    Column error =
        when(quantity.leq(0), lit("quantity must be positive"))
            .when(col("unitPrice").isNull(), concat(lit("unknown item '"), col("item"), lit("'")));
    Column status = when(quantity.leq(0), 400).when(col("unitPrice").isNull(), 404).otherwise(200);

    // round(): binary doubles would turn 0.1 * 3 into 0.30000000000000004.
    Column quote =
        struct(
            col("item"),
            quantity,
            col("unitPrice"),
            round(col("unitPrice").multiply(quantity), 2).as("total"));

    // The sink accepts exactly id, body and the optional status and headers columns.
    return priced.select(
        col("id"),
        when(error.isNull(), to_json(quote))
            // to_json also escapes whatever the client sent as the item name.
            .otherwise(to_json(struct(error.as("error"))))
            .as("body"),
        status.as("status"));
  }

  /** Starts the query that serves {@code POST /quote} on {@code port}. */
  static StreamingQuery start(SparkSession spark, int port, String checkpoint)
      throws TimeoutException {
    return start(spark, port, checkpoint, SparkPlugHttp.realTime());
  }

  /** As above, with another trigger ({@code Trigger.ProcessingTime(0)} for micro-batches). */
  static StreamingQuery start(SparkSession spark, int port, String checkpoint, Trigger trigger)
      throws TimeoutException {
    Dataset<Row> requests =
        spark
            .readStream()
            .format("sparkplug-http")
            .option("port", port)
            .option("path", "/quote")
            // Anything but POST is answered 405 by the source and never reaches the query.
            .option("methods", "POST")
            // Bodies are checked on the server's thread; only valid ones become rows.
            .option("requestSchema", QUOTE_REQUEST)
            .load();

    // Real-time mode by default: long-running readers hand each request on at once, and the sink
    // replies row by row, in well under a millisecond. -Dtrigger=microbatch serves in batches.
    return SparkPlugHttp.serve(replies(spark, requests), trigger)
        .option("contentType", "application/json")
        .option("checkpointLocation", checkpoint)
        .queryName("quote-service")
        .start();
  }

  /** The service's session: the connector's serving settings (docs/performance.md) in one step. */
  static SparkSession session(String master) {
    SparkSession spark =
        SparkPlugHttp.servingSession(SparkSession.builder())
            .master(master)
            .appName("sparkplug-http-quote-service")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.getInteger("port", 8080);
    // -Dmaster= wins; otherwise a master set by spark-submit (as spark.master), else local[*].
    String master = System.getProperty("master", "");
    if (master.isBlank()) {
      master = System.getProperty("spark.master", "local[*]");
    }
    String checkpoint = System.getProperty("checkpoint", "");
    if (checkpoint.isBlank()) {
      // The request stream cannot be replayed, so nothing is lost by starting afresh each run.
      checkpoint = Files.createTempDirectory("quote-service-checkpoint").toString();
    }

    // The readiness check below connects to the port, so a port held by another program would
    // look ready: refuse it up front, before paying for Spark's start-up.
    try (ServerSocket probe = new ServerSocket(port)) {
      // free
    } catch (BindException e) {
      System.err.println("port " + port + " is already in use; pick another with -Dport=NNNN");
      System.exit(2);
    }

    String triggerName = System.getProperty("trigger", "realtime").trim().toLowerCase(Locale.ROOT);
    Trigger trigger;
    try {
      trigger = SparkPlugHttp.trigger(triggerName);
    } catch (IllegalArgumentException e) {
      System.err.println("-D" + e.getMessage());
      System.exit(2);
      return;
    }

    SparkSession spark = session(master);

    StreamingQuery query = start(spark, port, checkpoint, trigger);
    // Ctrl-C: stop the query between two batches (the server stops accepting and answers what it
    // holds), then let Spark shut down.
    // Through Hadoop's hook manager, which Spark uses too, at a priority (100) that runs before
    // Spark's own hook (40) stops the SparkContext, so the stop can still use Spark.
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

    try {
      awaitListening(query, port, 60_000);
      if (!triggerName.equals("microbatch")) {
        // The connector's warm-up batches end within seconds; their boundaries are the slowest.
        SparkPlugHttp.awaitWarmUp(query, Duration.ofSeconds(60));
      }
      System.out.println(
          "SparkPlug HTTP example serving at http://127.0.0.1:"
              + port
              + "/quote in "
              + (triggerName.equals("microbatch") ? "micro-batch" : "real-time")
              + " mode  (try: curl -s -H 'Content-Type: application/json'"
              + " -d '{\"item\":\"apple\",\"quantity\":3}'"
              + " http://127.0.0.1:"
              + port
              + "/quote)");
      query.awaitTermination();
    } finally {
      // On failure (say, the port is taken) stop Spark here: its threads would keep the JVM alive.
      // On Ctrl-C the hook above is still stopping the query, and Spark's own hook stops Spark
      // after it; stopping it here as well would pull the context from under the hook.
      if (!stopping.get()) {
        spark.stop();
      }
    }
  }

  /** The query binds its port in the background; wait for it, or for the query to fail. */
  private static void awaitListening(StreamingQuery query, int port, long timeoutMs)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (!canConnect(port)) {
      if (!query.isActive()) {
        Throwable cause = query.exception().isDefined() ? query.exception().get() : null;
        throw new IllegalStateException("the query stopped before serving", cause);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "nothing listens on port " + port + " after " + timeoutMs + " ms");
      }
      Thread.sleep(50);
    }
  }

  private static boolean canConnect(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      // A probe that connected to itself (TCP simultaneous open) found no listener.
      return socket.getLocalPort() != port;
    } catch (IOException e) {
      return false;
    }
  }
}
