package io.sparkplug.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The quote service submitted to a real standalone cluster the way a user submits it: a Master and
 * two Workers on their own loopback addresses, executors in their own JVMs, the connector jar on
 * {@code --jars}, checkpoints on a real HDFS, HAProxy in front. The cluster starts once for the
 * class; every process it started is gone when the class ends.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterSmokeIT {
  private static final String[] WORKERS = {"127.0.0.2", "127.0.0.3"};
  private static final String APP_NAME = "sparkplug-http-quote-service";
  private static final String CHECKPOINT = "/checkpoints/quote-service";
  private static final String APPLE = "{\"item\":\"apple\",\"quantity\":3}";
  private static final String APPLE_QUOTE =
      "{\"item\":\"apple\",\"quantity\":3,\"unitPrice\":0.5,\"total\":1.5}";

  private static final ObjectMapper JSON = new ObjectMapper();

  private static long classStart;
  private static LocalCluster cluster;
  private static SparkDriver driver;
  private static int port;
  private static URI haproxy;
  private static Exchanges exchanges;

  /** One quote request sent straight to the driver and one through HAProxy, at the same time. */
  private record Exchanges(HttpResponse<String> direct, HttpResponse<String> viaHaproxy) {}

  @BeforeAll
  // Bounded even when a blocking call ignores interrupts: the method runs in its own thread.
  @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  static void startClusterAndSubmit() throws Exception {
    classStart = System.nanoTime();
    Path connectorJar = ClusterTests.requiredFile("sparkplug.connector.jar");
    Path examplesJar = ClusterTests.requiredFile("sparkplug.examples.jar");

    cluster = LocalCluster.create("ClusterSmokeIT");
    cluster.startMaster();
    String hdfs = cluster.startWorkersAndHdfs(List.of(WORKERS), 1, "1g");
    report("cluster up (Master, 2 Workers, NameNode, DataNode)", classStart);

    long submitted = System.nanoTime();
    port = FreePorts.on("127.0.0.1");
    driver =
        cluster.submit(
            "quotes",
            "io.sparkplug.examples.QuoteService",
            examplesJar,
            List.of(connectorJar),
            Map.of(
                "spark.driver.extraJavaOptions",
                "-Dport=" + port + " -Dcheckpoint=" + hdfs + CHECKPOINT,
                "spark.executor.memory",
                "512m",
                "spark.hadoop.dfs.replication",
                "1",
                "spark.sql.shuffle.partitions",
                "2"),
            List.of());
    driver.awaitListening("127.0.0.1", port, Duration.ofMinutes(3));
    report("driver serving after spark-submit", submitted);

    haproxy = cluster.startHaproxy(List.of("127.0.0.1:" + port));
  }

  @AfterAll
  @Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  static void stopCluster() {
    if (cluster != null) {
      System.out.printf("ClusterSmokeIT: %d processes started%n", cluster.processesSeen());
    }
    ClusterTests.closeAndAssertNothingLeft(cluster);
    report("whole class", classStart);
  }

  @Test
  void executorsRunOnBothWorkers() throws Exception {
    for (String host : WORKERS) {
      awaitExecutors(host);
    }
    JsonNode app = activeApp(JSON.readTree(cluster.masterJson()));
    assertEquals(2, app.path("cores").asInt(), "cores granted to the app: " + app);
    assertTrue(driver.isAlive(), "the driver died:\n" + driver.logTail(40));
  }

  /** Runs last: it takes an executor away from the query. */
  @Test
  @Order(Integer.MAX_VALUE)
  void killedExecutorIsReplacedOnItsWorker() throws Exception {
    String host = WORKERS[1];
    List<Long> before = awaitExecutors(host);
    cluster.killExecutor(before.get(0));
    Awaitility.await("a new executor JVM under the Worker on " + host)
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> cluster.executorPids(host).stream().anyMatch(pid -> !before.contains(pid)));
    assertTrue(driver.isAlive(), "the driver died:\n" + driver.logTail(40));
    assertEquals(
        200, ClusterTests.get(URI.create("http://127.0.0.1:" + port + "/-/health")).statusCode());
  }

  @Test
  void quoteIsAnsweredByTheQueryOnTheCluster() throws Exception {
    HttpResponse<String> response = exchanges().direct();
    assertEquals(200, response.statusCode(), response.body());
    assertEquals(APPLE_QUOTE, response.body());
    assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
  }

  @Test
  void haproxyAnswersLikeTheDriver() throws Exception {
    HttpResponse<String> health = ClusterTests.get(haproxy.resolve("/-/health"));
    assertEquals(200, health.statusCode(), health.body());
    assertTrue(health.body().contains("\"status\":\"serving\""), health.body());

    Exchanges both = exchanges();
    assertEquals(both.direct().statusCode(), both.viaHaproxy().statusCode());
    assertEquals(both.direct().body(), both.viaHaproxy().body());
    assertEquals(200, both.viaHaproxy().statusCode(), both.viaHaproxy().body());
    assertEquals(APPLE_QUOTE, both.viaHaproxy().body());
  }

  @Test
  void checkpointIsWrittenToHdfs() throws Exception {
    // A request makes a micro-batch, and a finished micro-batch writes its commit file.
    exchanges();
    Awaitility.await("a commit file in " + CHECKPOINT + "/commits on HDFS")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> !ClusterTests.hdfsListing(cluster, CHECKPOINT + "/commits").isEmpty());
    assertFalse(ClusterTests.hdfsListing(cluster, CHECKPOINT + "/commits").isEmpty());
  }

  private static synchronized Exchanges exchanges() throws Exception {
    if (exchanges == null) {
      CompletableFuture<HttpResponse<String>> direct =
          postQuote(URI.create("http://127.0.0.1:" + port + "/quote"));
      CompletableFuture<HttpResponse<String>> viaHaproxy = postQuote(haproxy.resolve("/quote"));
      exchanges = new Exchanges(direct.get(), viaHaproxy.get());
    }
    return exchanges;
  }

  private static CompletableFuture<HttpResponse<String>> postQuote(URI uri) {
    return ClusterTests.CLIENT.sendAsync(
        HttpRequest.newBuilder(uri)
            // First micro-batches on a cluster take seconds; the service answers 504 at 30 s.
            .timeout(Duration.ofSeconds(90))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(APPLE))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static List<Long> awaitExecutors(String host) {
    return Awaitility.await("an executor JVM under the Worker on " + host)
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> cluster.executorPids(host), pids -> !pids.isEmpty());
  }

  private static JsonNode activeApp(JsonNode master) {
    for (JsonNode app : master.path("activeapps")) {
      if (APP_NAME.equals(app.path("name").asText())) {
        return app;
      }
    }
    throw new AssertionError("no active application " + APP_NAME + " on the Master: " + master);
  }

  private static void report(String what, long since) {
    System.out.printf("ClusterSmokeIT: %s in %.1f s%n", what, (System.nanoTime() - since) / 1e9);
  }
}
