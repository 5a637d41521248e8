package io.sparkplug.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.awaitility.Awaitility;

/** One embedded {@code local[2]} Spark for the whole test JVM, and small helpers around it. */
public final class TestSpark {
  private static SparkSession spark;

  private TestSpark() {}

  public static synchronized SparkSession session() {
    if (spark == null) {
      spark =
          SparkSession.builder()
              .master("local[2]")
              .appName("sparkplug-http-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.sql.adaptive.enabled", "false")
              .config("spark.sql.streaming.pollingDelay", "5ms")
              .getOrCreate();
      spark.sparkContext().setLogLevel("WARN");
    }
    return spark;
  }

  /** A source on {@code port} with the given extra options, as key-value pairs. */
  public static Dataset<Row> requests(int port, String... options) {
    DataStreamReader reader = session().readStream().format("sparkplug-http").option("port", port);
    for (int i = 0; i < options.length; i += 2) {
      reader = reader.option(options[i], options[i + 1]);
    }
    return reader.load();
  }

  /**
   * A free port below Linux's ephemeral range (32768 and up), so that no outgoing connection can
   * hold it and a probe of a closed port cannot connect to itself (TCP simultaneous open).
   */
  public static int freePort() {
    java.util.concurrent.ThreadLocalRandom random =
        java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 200; attempt++) {
      int candidate = 20_000 + random.nextInt(12_000);
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), candidate), 1);
        return candidate;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free port found in 20000-31999 after 200 attempts");
  }

  /**
   * A new session of the shared one with {@link SparkPlugHttp#servingConf()}, except {@code
   * spark.buffer.pageSize}: a core setting, which only a new SparkContext takes (Spark refuses it
   * on a running one).
   */
  public static SparkSession servingSession() {
    SparkSession spark = session().newSession();
    SparkPlugHttp.servingConf().entrySet().stream()
        .filter(setting -> !setting.getKey().equals("spark.buffer.pageSize"))
        .forEach(setting -> spark.conf().set(setting.getKey(), setting.getValue()));
    return spark;
  }

  public static String checkpoint() {
    try {
      return Files.createTempDirectory("sparkplug-ckpt").toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until something accepts connections on the port. */
  public static void awaitListening(int port) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> canConnect(port));
  }

  /**
   * Readiness, the one wait every test does before its first real request: the query has made a
   * first progress report (its source is planned, its first trigger ran) and the port answers
   * {@code GET /-/health} with 200. The first request after it is then asserted as is, never
   * retried. Bounded at 120 s, the time a first batch can take on two busy cores.
   */
  public static void awaitReady(int port, org.apache.spark.sql.streaming.StreamingQuery query) {
    awaitFirstProgress(query);
    Awaitility.await("GET /-/health answers 200 on port " + port)
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .until(() -> Http.get(port, "/-/health").statusCode() == 200);
  }

  /**
   * Waits until the query has reported a first progress, without opening any connection (for tests
   * that count connections). Fails at once if the query died meanwhile.
   */
  public static void awaitFirstProgress(org.apache.spark.sql.streaming.StreamingQuery query) {
    Awaitility.await("a first progress of query " + query.name())
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              if (!query.isActive()) {
                throw new AssertionError(
                    "the query stopped before its first progress", failure(query));
              }
              return query.lastProgress() != null;
            });
  }

  private static Throwable failure(org.apache.spark.sql.streaming.StreamingQuery query) {
    return query.exception().isDefined() ? query.exception().get() : null;
  }

  /** Waits until nothing accepts connections on the port. */
  public static void awaitNotListening(int port) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> !canConnect(port));
  }

  public static boolean canConnect(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      // A socket that connected to itself proves nothing is listening.
      return socket.getLocalPort() != port;
    } catch (IOException e) {
      return false;
    }
  }

  /** The sum of a named metric over every finished SQL execution in Spark's status store. */
  public static long uiMetricTotal(String name) {
    long total = 0;
    var executions =
        scala.jdk.javaapi.CollectionConverters.asJava(
            session().sharedState().statusStore().executionsList());
    for (var execution : executions) {
      var values = execution.metricValues();
      if (values == null) {
        continue;
      }
      for (var metric : scala.jdk.javaapi.CollectionConverters.asJava(execution.metrics())) {
        if (metric.name().equals(name) && values.contains(metric.accumulatorId())) {
          total += Long.parseLong(values.apply(metric.accumulatorId()).replace(",", "").trim());
        }
      }
    }
    return total;
  }

  public static Path tempDir() {
    try {
      return Files.createTempDirectory("sparkplug-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
