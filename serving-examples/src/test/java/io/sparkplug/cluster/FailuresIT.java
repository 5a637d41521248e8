package io.sparkplug.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * The failures a production cluster sees, on a real one: a Master and two Workers, checkpoints on a
 * real HDFS (NameNode and DataNode in their own JVMs). A task that fails once and is retried, user
 * code that fails the query, and a driver killed under load and submitted again with the same
 * checkpoint.
 */
@Timeout(400)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailuresIT {
  private static final String[] WORKERS = {"127.0.0.2", "127.0.0.3"};
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static long classStart;
  private static LocalCluster cluster;
  private static String hdfs;
  private static Path connectorJar;
  private static Path testsJar;
  private static SparkDriver faulty;
  private static int flakyPort;
  private static int explodePort;

  @BeforeAll
  // Bounded even when a blocking call ignores interrupts: the method runs in its own thread.
  @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  static void startCluster() throws Exception {
    classStart = System.nanoTime();
    connectorJar = ClusterTests.requiredFile("sparkplug.connector.jar");
    testsJar = ClusterTests.requiredFile("sparkplug.tests.jar");
    cluster = LocalCluster.create("FailuresIT");
    cluster.startMaster();
    hdfs = cluster.startWorkersAndHdfs(List.of(WORKERS), 1, "1g");
    report("cluster and HDFS up", classStart);
    flakyPort = FreePorts.on("127.0.0.1");
    explodePort = FreePorts.on("127.0.0.1");
    faulty =
        submit(
            "faulty",
            List.of(
                // Generous timeouts: these tests are about answers, not how fast a cold cluster is.
                // One partition per batch, so that in a batch of several requests rows precede
                // the failing one in its task and are answered twice (see the test).
                service("flaky", "flaky", flakyPort, "/checkpoints/flaky", Duration.ofSeconds(120))
                    + ",numPartitions=1",
                // Long enough that the failure, not the timeout, answers the first request.
                service(
                    "explode",
                    "explode",
                    explodePort,
                    "/checkpoints/explode",
                    Duration.ofSeconds(120))));
    faulty.awaitListening("127.0.0.1", flakyPort, Duration.ofMinutes(3));
    faulty.awaitListening("127.0.0.1", explodePort, Duration.ofMinutes(1));
    // Readiness (no warm-up request): a first progress of each query and health 200. The first
    // real requests are then asserted as they come; their 120 s timeout covers cold executors.
    ClusterTests.awaitReady(
        faulty, "flaky", Duration.ofMinutes(3), URI.create("http://127.0.0.1:" + flakyPort));
    ClusterTests.awaitReady(
        faulty, "explode", Duration.ofMinutes(1), URI.create("http://127.0.0.1:" + explodePort));
  }

  private static String service(String name, String plan, int port, String checkpoint) {
    return service(name, plan, port, checkpoint, REQUEST_TIMEOUT);
  }

  private static String service(
      String name, String plan, int port, String checkpoint, Duration requestTimeout) {
    return "service="
        + name
        + ",mode=driver,plan="
        + plan
        + ",port="
        + port
        + ",checkpoint="
        + hdfs
        + checkpoint
        + ",requestTimeout="
        + requestTimeout.toSeconds()
        + "s";
  }

  private static SparkDriver submit(String name, List<String> services) {
    return cluster.submit(
        name,
        "io.sparkplug.cluster.ServingApp",
        testsJar,
        List.of(connectorJar),
        Map.of(
            "spark.executor.memory", "512m",
            "spark.hadoop.dfs.replication", "1",
            "spark.excludeOnFailure.enabled", "false"),
        services);
  }

  @AfterAll
  @Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  static void stopCluster() {
    ClusterTests.closeAndAssertNothingLeft(cluster);
    report("whole class", classStart);
  }

  /**
   * Replies leave row by row, so a task that fails half way has answered some of its requests; its
   * retry answers them again. Each client still gets exactly one response, the right one: 30
   * requests pipelined on one connection (ok and fail alternating, one partition per batch), read
   * off the wire, with nothing after the 30th. The server counts 30 replied and drops the replies
   * sent twice: a first attempt fails at a fail row only after it answered at least one row, and 30
   * requests written at once do not arrive one per batch, so some batch fails after a reply.
   */
  @Test
  @Order(1)
  void retriedTaskStillAnswersEachRequestOnce() throws Exception {
    URI metricsUri = URI.create("http://127.0.0.1:" + flakyPort + "/-/metrics");
    String labels = "port=\"" + flakyPort + "\",path=\"/\"";
    String replied = "sparkplug_requests_total{" + labels + ",outcome=\"replied\"}";
    String dropped = "sparkplug_replies_dropped_total{" + labels + "}";
    String before = get(metricsUri).body();
    long repliedBefore = Long.parseLong(ClusterTests.metricSample(before, replied));
    long droppedBefore = Long.parseLong(ClusterTests.metricSample(before, dropped));
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      bodies.add(i % 2 == 1 ? "fail-" + i : "ok-" + i);
    }
    List<ClusterTests.RawResponse> responses =
        ClusterTests.pipelined("127.0.0.1", flakyPort, bodies, Duration.ofSeconds(150));
    for (int i = 0; i < responses.size(); i++) {
      assertEquals(200, responses.get(i).status(), bodies.get(i) + ": " + responses.get(i).body());
      assertEquals("flaky: " + bodies.get(i).toUpperCase(), responses.get(i).body());
    }
    Awaitility.await("the driver logs the failed first attempt")
        .atMost(Duration.ofSeconds(30))
        .until(() -> faulty.logContains("first attempt fails at fail-"));
    String after = get(metricsUri).body();
    long repliedNow = Long.parseLong(ClusterTests.metricSample(after, replied));
    long droppedNow = Long.parseLong(ClusterTests.metricSample(after, dropped));
    System.out.printf(
        "FailuresIT: 30 requests across failed first attempts: %d replied, %d replies dropped%n",
        repliedNow - repliedBefore, droppedNow - droppedBefore);
    assertEquals(30, repliedNow - repliedBefore, after);
    // A first attempt fails only after it answered a row, so some reply was sent twice, and the
    // server dropped the second copy instead of writing it to the connection.
    assertTrue(droppedNow - droppedBefore >= 1, "no duplicate reply was dropped: " + after);
  }

  @Test
  @Order(2)
  void queryThatFailsAnswers500AndStopsAccepting() throws Exception {
    HttpResponse<String> response =
        post(URI.create("http://127.0.0.1:" + explodePort + "/"), "anything");
    assertEquals(500, response.statusCode());
    assertEquals(
        "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500,"
            + "\"detail\":\"Internal Server Error\"}",
        response.body());
    assertFalse(response.body().contains("internal detail"), response.body());
    assertFalse(response.body().contains("Exception"), response.body());
    Awaitility.await("the failed query's port closes")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> !FreePorts.listening("127.0.0.1", explodePort));
    Awaitility.await("the application reports the failure")
        .atMost(Duration.ofSeconds(30))
        .until(() -> faulty.logContains("query explode failed"));
    // The other query of the application goes on serving.
    assertEquals(
        200, post(URI.create("http://127.0.0.1:" + flakyPort + "/"), "still").statusCode());
    cluster.stopDriver(faulty);
  }

  /**
   * kill -9 of a serving driver under load: every client in flight learns at once (its connection
   * fails), none waits for its timeout. The same application submitted again with the same HDFS
   * checkpoint serves on the same port, numbering its offsets past the old run's.
   */
  @Test
  @Order(3)
  void killedDriverFailsItsClientsFastAndRestartsFromItsCheckpoint() throws Exception {
    if (faulty.isAlive()) {
      // Its cores go to the next application.
      cluster.stopDriver(faulty);
    }
    int port = FreePorts.on("127.0.0.1");
    String checkpoint = "/checkpoints/head";
    // 120 s: the first request after readiness runs the first batch on cold executors.
    List<String> services =
        List.of(service("head", "echo", port, checkpoint, Duration.ofSeconds(120)));
    SparkDriver first = submit("head", services);
    first.awaitListening("127.0.0.1", port, Duration.ofMinutes(3));
    URI uri = URI.create("http://127.0.0.1:" + port + "/");
    ClusterTests.awaitReady(first, "head", Duration.ofMinutes(3), uri);
    for (int i = 0; i < 20; i++) {
      assertEquals("head: RUN1-" + i, post(uri, "run1-" + i).body());
    }

    record Outcome(long tookMs, int status) {}
    ConcurrentLinkedQueue<Outcome> afterKill = new ConcurrentLinkedQueue<>();
    java.util.concurrent.atomic.AtomicInteger answered =
        new java.util.concurrent.atomic.AtomicInteger();
    ExecutorService load = Executors.newFixedThreadPool(8);
    long[] killedAt = new long[1];
    List<CompletableFuture<Void>> senders = new ArrayList<>();
    long loadEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
    for (int t = 0; t < 8; t++) {
      senders.add(
          CompletableFuture.runAsync(
              () -> {
                while (System.nanoTime() < loadEnd) {
                  long start = System.nanoTime();
                  int status;
                  try {
                    status = post(uri, "load").statusCode();
                  } catch (Exception e) {
                    status = -1;
                  }
                  if (status == 200) {
                    answered.incrementAndGet();
                  }
                  if (killedAt[0] != 0 && start >= killedAt[0] - 1_000_000_000L) {
                    afterKill.add(
                        new Outcome(
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), status));
                  }
                }
              },
              load));
    }
    Awaitility.await("the load is being answered")
        .atMost(Duration.ofSeconds(30))
        .until(() -> answered.get() >= 30);
    killedAt[0] = System.nanoTime();
    cluster.killDriver(first);
    CompletableFuture.allOf(senders.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
    load.shutdownNow();
    long slowest = afterKill.stream().mapToLong(Outcome::tookMs).max().orElse(0);
    long failedAfter = afterKill.stream().filter(o -> o.status() != 200).count();
    System.out.printf(
        "FailuresIT: %d requests around and after the driver's kill, %d failed, slowest %d ms%n",
        afterKill.size(), failedAfter, slowest);
    assertTrue(failedAfter > 0, "requests after the kill must fail");
    // Half the 120 s requestTimeout: a client left waiting for its timeout fails this; a fast
    // failure passes however busy the two cores are (the figure is printed above).
    assertTrue(slowest < 60_000, "a client waited " + slowest + " ms after the driver died");

    long lastBatch = latestBatch(checkpoint);
    long lastOffset = offsetOfBatch(checkpoint, lastBatch);
    long resubmitted = System.nanoTime();
    SparkDriver second = submit("head-again", services);
    second.awaitListening("127.0.0.1", port, Duration.ofMinutes(3));
    // Health only: a query restarted from a committed checkpoint runs no batch (and reports no
    // progress) until a request arrives, so waiting for a batch here would wait forever.
    ClusterTests.awaitHealthy(uri, Duration.ofMinutes(3));
    report("driver resubmitted to serving on the same port", resubmitted);
    for (int i = 0; i < 10; i++) {
      assertEquals("head: RUN2-" + i, post(uri, "run2-" + i).body());
    }
    Awaitility.await("a batch of the second run on HDFS")
        .atMost(Duration.ofSeconds(60))
        .until(() -> latestBatch(checkpoint) > lastBatch);
    long newOffset = offsetOfBatch(checkpoint, latestBatch(checkpoint));
    System.out.printf(
        "FailuresIT: first run ended at batch %d offset %d; second run at batch %d offset %d%n",
        lastBatch, lastOffset, latestBatch(checkpoint), newOffset);
    assertTrue(newOffset > lastOffset, newOffset + " must follow " + lastOffset);
    cluster.stopDriver(second);
  }

  private static long latestBatch(String checkpoint) throws Exception {
    long latest = -1;
    for (String name : ClusterTests.hdfsListing(cluster, checkpoint + "/offsets")) {
      if (name.chars().allMatch(Character::isDigit)) {
        latest = Math.max(latest, Long.parseLong(name));
      }
    }
    return latest;
  }

  /** The source offset logged for a batch: the last line of offsets/N, {"offset":N}. */
  private static long offsetOfBatch(String checkpoint, long batch) throws Exception {
    HttpResponse<String> file =
        get(ClusterTests.webHdfs(cluster, checkpoint + "/offsets/" + batch, "OPEN"));
    assertEquals(200, file.statusCode(), file.body());
    List<String> lines = file.body().lines().toList();
    return JSON.readTree(lines.get(lines.size() - 1)).path("offset").asLong();
  }

  private static HttpResponse<String> post(URI uri, String body) throws Exception {
    return postAsync(uri, body).get(150, TimeUnit.SECONDS);
  }

  private static CompletableFuture<HttpResponse<String>> postAsync(URI uri, String body) {
    return ClusterTests.postAsync(uri, body, Duration.ofSeconds(140));
  }

  private static HttpResponse<String> get(URI uri) throws Exception {
    return ClusterTests.get(uri);
  }

  private static void report(String what, long since) {
    ClusterTests.report("FailuresIT", what, since);
  }
}
