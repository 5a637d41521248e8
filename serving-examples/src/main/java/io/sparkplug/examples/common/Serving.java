package io.sparkplug.examples.common;

import io.sparkplug.http.SparkPlugHttp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;

/** What every example service does the same way: its session, source, replies and lifecycle. */
public final class Serving {
  private Serving() {}

  /**
   * A session tuned for serving small requests: the connector's one-step serving settings ({@link
   * SparkPlugHttp#servingConf()}, see docs/performance.md), times in UTC.
   */
  public static SparkSession session(String appName, ServingConfig config) {
    SparkSession.Builder builder =
        SparkPlugHttp.servingSession(SparkSession.builder().appName(appName))
            // Times in requests and data are read and shown in UTC.
            .config("spark.sql.session.timeZone", "UTC");
    String master = config.master();
    if (master.isBlank() && System.getProperty("spark.master") == null) {
      master = "local[*]"; // started with plain java rather than by spark-submit
    }
    if (!master.isBlank()) {
      builder.master(master);
    }
    if (master.startsWith("local")) {
      // The example data is small: a few shuffle partitions instead of 200 tiny tasks.
      builder.config("spark.sql.shuffle.partitions", "4");
    }
    return builder.getOrCreate();
  }

  /** The {@code sparkplug-http} source with the configured port, mode, host and control port. */
  public static DataStreamReader source(SparkSession spark, ServingConfig config, String path) {
    DataStreamReader reader =
        spark
            .readStream()
            .format("sparkplug-http")
            .option("port", config.portOption())
            .option("mode", config.mode())
            .option("path", path);
    if (config.controlPort() != 0) {
      reader = reader.option("controlPort", config.controlPort());
    }
    return config.host().isBlank() ? reader : reader.option("host", config.host());
  }

  /**
   * The {@code sparkplug-http} sink for {@code replies} with the configured trigger ({@code
   * SPARKPLUG_TRIGGER}: real-time unless {@code microbatch}); add the checkpoint and start.
   */
  public static DataStreamWriter<Row> sink(Dataset<Row> replies, ServingConfig config) {
    return SparkPlugHttp.serve(replies, config.sparkTrigger());
  }

  /** The configured checkpoint, or a new temporary folder (the request stream never replays). */
  public static String checkpoint(ServingConfig config, String name) throws IOException {
    return config.checkpoint().isBlank()
        ? Files.createTempDirectory(name + "-checkpoint").toString()
        : config.checkpoint();
  }

  /**
   * Waits until the query serves, prints {@code banner}, then blocks until the query ends; Ctrl-C
   * stops the query, then Spark.
   */
  public static void runUntilStopped(
      SparkSession spark, StreamingQuery query, ServingConfig config, String banner)
      throws Exception {
    runUntilStopped(spark, query, () -> SparkPlugHttp.stop(query), config, banner);
  }

  /** As above, with {@code stop} run on Ctrl-C instead of stopping the query alone. */
  public static void runUntilStopped(
      SparkSession spark,
      StreamingQuery query,
      AutoCloseable stop,
      ServingConfig config,
      String banner)
      throws Exception {
    // Ctrl-C: through Hadoop's hook manager, which Spark uses too, at a priority (100) that runs
    // before Spark's own hook (40) stops the SparkContext, so stopping can still use Spark.
    AtomicBoolean interrupted = new AtomicBoolean();
    ShutdownHookManager.get()
        .addShutdownHook(
            () -> {
              interrupted.set(true);
              try {
                stop.close();
              } catch (Exception e) {
                System.err.println("could not stop cleanly: " + e);
              }
            },
            100);
    try {
      if (!config.executorMode()) { // executor servers listen on the executors' hosts
        awaitListening(query, config.port(), Duration.ofSeconds(60));
      }
      if (config.realTime()) {
        SparkPlugHttp.awaitWarmUp(query, Duration.ofSeconds(60));
      }
      System.out.println(banner);
      query.awaitTermination();
    } finally {
      if (!interrupted.get()) { // the query failed: stop here, or Spark keeps the JVM alive
        stop.close();
        spark.stop();
      }
    }
  }

  /** The query binds its port in the background; wait for it, or for the query to fail. */
  public static void awaitListening(StreamingQuery query, int port, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!canConnect(port)) {
      if (!query.isActive()) {
        Throwable cause = query.exception().isDefined() ? query.exception().get() : null;
        throw new IllegalStateException("the query stopped before serving", cause);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("nothing listens on port " + port + " after " + timeout);
      }
      Thread.sleep(50);
    }
  }

  /**
   * Threads named {@code name} that do not keep the JVM alive, for an example's background work.
   */
  public static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread thread = new Thread(r, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  public static boolean canConnect(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      // A probe that connected to itself (TCP simultaneous open) found no listener.
      return socket.getLocalPort() != port;
    } catch (IOException e) {
      return false;
    }
  }
}
