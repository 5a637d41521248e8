package io.sparkplug.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Per-executor serving on a real standalone cluster: a Master and two Workers on their own loopback
 * addresses, one executor JVM each, the test application submitted with {@code spark-submit}, and
 * HAProxy in front of the two executor servers with health checks. One application serves three
 * ways at once: executor mode on {@code /echo} and {@code /shuffle} (one port on every executor),
 * and head-node mode on its own driver port.
 *
 * <p>The methods are one scenario in a fixed order on that one application (starting it is most of
 * the class's time): each test from 1 to 5 first waits until both executor servers serve, so it
 * does not depend on what ran before it, and 5 leaves a replacement executor serving. Tests 6 to 8
 * come last because they stop the shared application to submit their own: {@code /join} (a join
 * that shuffles both sides) and {@code /aggregate} (an aggregation by request id), real-time mode,
 * then a bearer token and a restart that turns TLS on.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExecutorModeIT {
  private static final String[] WORKERS = {"127.0.0.2", "127.0.0.3"};
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  /**
   * requestTimeout of the applications tests 6 and 7 submit: their first requests after readiness
   * run early batches on executors that may be cold and busy (timeouts are not what they test).
   */
  private static final Duration FRESH_APP_TIMEOUT = Duration.ofSeconds(60);

  private static final ObjectMapper JSON = new ObjectMapper();

  private static long classStart;
  private static LocalCluster cluster;
  private static SparkDriver driver;
  private static Path connectorJar;
  private static Path testsJar;
  private static int executorPort;
  private static int controlPort;
  private static int headPort;
  private static URI balancer;
  private static CompletableFuture<TestCertificates> certificates;

  @BeforeAll
  // Bounded even when a blocking call ignores interrupts: the method runs in its own thread.
  @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  static void startClusterAndSubmit() throws Exception {
    classStart = System.nanoTime();
    // Test 8's certificates: a few keytool runs, made while the cluster starts.
    certificates =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return TestCertificates.create(List.of(WORKERS));
              } catch (Exception e) {
                throw new IllegalStateException("cannot make the test certificates", e);
              }
            });
    connectorJar = ClusterTests.requiredFile("sparkplug.connector.jar");
    testsJar = ClusterTests.requiredFile("sparkplug.tests.jar");
    cluster = LocalCluster.create("ExecutorModeIT");
    cluster.startMaster();
    cluster.startWorkers(List.of(WORKERS), 1, "1g");
    report("cluster up", classStart);

    executorPort = FreePorts.onEvery(WORKERS);
    controlPort = FreePorts.on("127.0.0.1");
    headPort = FreePorts.on("127.0.0.1");
    long submitted = System.nanoTime();
    driver =
        submit(
            "serving",
            List.of(
                service("echo", "executor", "echo", executorPort, "/echo")
                    + ",controlPort="
                    + controlPort,
                service("shuffle", "executor", "shuffle", executorPort, "/shuffle"),
                service("head", "driver", "shuffle", headPort, "/")));
    for (String host : WORKERS) {
      driver.awaitListening(host, executorPort, Duration.ofMinutes(3));
    }
    report("both executor servers listening after spark-submit", submitted);
    balancer =
        cluster.startHaproxy(
            List.of(WORKERS[0] + ":" + executorPort, WORKERS[1] + ":" + executorPort));
  }

  private static String service(String name, String mode, String plan, int port, String path)
      throws Exception {
    Path checkpoint = Files.createTempDirectory("sparkplug-it-" + name);
    return "service="
        + name
        + ",mode="
        + mode
        + ",plan="
        + plan
        + ",port="
        + port
        + ",path="
        + path
        + ",checkpoint="
        + checkpoint;
  }

  private static SparkDriver submit(String name, List<String> services) {
    return cluster.submit(
        name,
        "io.sparkplug.cluster.ServingApp",
        testsJar,
        List.of(connectorJar),
        Map.of(
            "spark.executor.memory", "512m",
            "spark.sql.shuffle.partitions", "2",
            // plan=join shuffles both sides instead of broadcasting the static table.
            "spark.sql.autoBroadcastJoinThreshold", "-1",
            // A replacement executor must not be refused as a repeat offender.
            "spark.excludeOnFailure.enabled", "false"),
        services);
  }

  @AfterAll
  @Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  static void stopCluster() {
    ClusterTests.closeAndAssertNothingLeft(cluster);
    report("whole class", classStart);
  }

  @Test
  @Order(1)
  void directoryListsBothExecutorServersAsHealthy() throws Exception {
    JsonNode servers = awaitServing(2);
    Set<String> hosts = new HashSet<>();
    for (JsonNode server : servers) {
      hosts.add(server.path("host").asText());
      assertEquals(executorPort, server.path("port").asInt(), server.toString());
    }
    assertEquals(Set.of(WORKERS), hosts);
    for (String host : WORKERS) {
      HttpResponse<String> health =
          get(URI.create("http://" + host + ":" + executorPort + "/-/health"));
      assertEquals(200, health.statusCode(), health.body());
    }
    assertEquals(200, get(balancer.resolve("/-/health")).statusCode());
  }

  @Test
  @Order(2)
  void balancerSpreadsRequestsOverBothExecutors() throws Exception {
    awaitServing(2);
    Set<String> servedBy = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      HttpResponse<String> response = post(balancer.resolve("/echo"), "hello " + i);
      assertEquals(200, response.statusCode(), response.body());
      assertEquals("echo: HELLO " + i, response.body());
      servedBy.add(response.headers().firstValue("x-served-by").orElse("?"));
    }
    assertEquals(2, servedBy.size(), "executors that answered: " + servedBy);
  }

  @Test
  @Order(3)
  void shuffledRepliesReachTheExecutorHoldingTheClient() throws Exception {
    awaitServing(2);
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      calls.add(postAsync(balancer.resolve("/shuffle"), "item-" + i));
    }
    Set<String> computedOn = new HashSet<>();
    for (int i = 0; i < calls.size(); i++) {
      HttpResponse<String> response = calls.get(i).get(30, TimeUnit.SECONDS);
      assertEquals(200, response.statusCode(), response.body());
      assertEquals("shuffle: ITEM-" + i, response.body());
      computedOn.add(response.headers().firstValue("x-served-by").orElse("?"));
    }
    // Clients alternate between the two executors and replies are computed on both, so many
    // replies crossed from one executor to the other.
    assertEquals(2, computedOn.size(), "executors that computed replies: " + computedOn);
  }

  @Test
  @Order(4)
  void headNodeModeOnTheClusterRepliesThroughTheDriver() throws Exception {
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> response =
          post(URI.create("http://127.0.0.1:" + headPort + "/"), "head " + i);
      assertEquals(200, response.statusCode(), response.body());
      assertEquals("head: HEAD " + i, response.body());
      assertNotEquals(
          "driver",
          response.headers().firstValue("x-served-by").orElse("driver"),
          "the reply was computed on an executor");
    }
  }

  /**
   * Kills one executor's JVM under steady load through the balancer. No client waits past its
   * timeout; a request that failed with the executor succeeds when retried; the other executor
   * keeps serving; the replacement executor starts a server and serves, without a query restart.
   */
  @Test
  @Order(5)
  void killedExecutorFailsFastAndItsReplacementServes() throws Exception {
    awaitServing(2);
    String victimHost = WORKERS[1];
    long victim = cluster.executorPids(victimHost).get(0);
    String victimInstance = instanceOn(victimHost);
    record Outcome(long startedMs, long tookMs, int status, boolean retried, int retryStatus) {}
    ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    ExecutorService load = Executors.newFixedThreadPool(8);
    long loadStart = System.nanoTime();
    long loadEnd = loadStart + TimeUnit.SECONDS.toNanos(20);
    List<CompletableFuture<Void>> senders = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int sender = t;
      senders.add(
          CompletableFuture.runAsync(
              () -> {
                int n = 0;
                while (System.nanoTime() < loadEnd) {
                  long start = System.nanoTime();
                  int status = sendQuietly("load " + sender + "-" + n);
                  long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                  int retryStatus = status == 200 ? 0 : retry("retry " + sender + "-" + n);
                  outcomes.add(
                      new Outcome(
                          TimeUnit.NANOSECONDS.toMillis(start - loadStart),
                          took,
                          status,
                          status != 200,
                          retryStatus));
                  n++;
                }
              },
              load));
    }
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> outcomes.size() > 50);
    long killedAtMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - loadStart);
    long killedAt = System.nanoTime();
    cluster.killExecutor(victim);
    CompletableFuture.allOf(senders.toArray(new CompletableFuture<?>[0])).get(90, TimeUnit.SECONDS);
    load.shutdownNow();

    long slow =
        outcomes.stream().filter(o -> o.tookMs() > REQUEST_TIMEOUT.toMillis() + 2_000).count();
    List<Outcome> failed = outcomes.stream().filter(Outcome::retried).toList();
    long lost = failed.stream().filter(o -> o.retryStatus() != 200).count();
    long servedAfterKill =
        outcomes.stream()
            .filter(o -> o.startedMs() > killedAtMs + 2_000 && o.status() == 200)
            .count();
    System.out.printf(
        "ExecutorModeIT: %d requests under load, %d failed first (max %d ms), %d failed their retry,"
            + " %d answered after the kill%n",
        outcomes.size(),
        failed.size(),
        failed.stream().mapToLong(Outcome::tookMs).max().orElse(0),
        lost,
        servedAfterKill);
    assertEquals(0, slow, "requests that waited past their timeout");
    // Failures come from the kill, none before it; each fails fast. The bound is half the 10 s
    // requestTimeout (the figure measured is printed above): a client left waiting for its
    // timeout fails it, scheduling delays on two busy cores do not.
    List<Outcome> failedBeforeKill =
        failed.stream().filter(o -> o.startedMs() + o.tookMs() < killedAtMs).toList();
    assertEquals(List.of(), failedBeforeKill, "requests that failed before the kill");
    List<Outcome> failedSlowly = failed.stream().filter(o -> o.tookMs() >= 5_000).toList();
    assertEquals(List.of(), failedSlowly, "failures that took 5 s or more");
    assertEquals(0, lost, "requests whose retry through the balancer failed too: " + failed);
    assertTrue(servedAfterKill > 20, "the surviving executor kept serving: " + servedAfterKill);

    // The Worker starts a replacement executor; the query starts a server on it and uses it.
    JsonNode replacement =
        Awaitility.await("a new server on " + victimHost)
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> serverOn(victimHost),
                server ->
                    server != null
                        && !server.path("instance").asText().equals(victimInstance)
                        && server.path("state").asText().equals("serving"));
    Awaitility.await("the balancer sends traffic to the replacement")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              HttpResponse<String> response = post(balancer.resolve("/echo"), "back");
              return response.statusCode() == 200
                  && response
                      .headers()
                      .firstValue("x-served-by")
                      .orElse("")
                      .equals(replacement.path("executorId").asText());
            });
    report("kill -9 of an executor to its replacement serving through the balancer", killedAt);
    assertTrue(driver.isAlive(), "the driver died:\n" + driver.logTail(40));
  }

  /**
   * A join that shuffles both sides and an aggregation keyed by the request id, in executor mode,
   * in an application of their own (beside the shared application's three queries, five queries on
   * two one-core executors starved each other's batches past the request timeout): their reply rows
   * come out of the shuffle's reduce tasks, on both executors, and each reaches the executor
   * holding its client with its own body.
   */
  @Test
  @Timeout(600)
  @Order(6)
  void repliesCrossAShuffleJoinAndAnAggregationBetweenExecutors() throws Exception {
    if (driver.isAlive()) {
      cluster.stopDriver(driver);
    }
    String fresh = ",requestTimeout=" + FRESH_APP_TIMEOUT.toSeconds() + "s";
    SparkDriver shuffling =
        submit(
            "shuffling",
            List.of(
                service("join", "executor", "join", executorPort, "/join") + fresh,
                service("aggregate", "executor", "aggregate", executorPort, "/aggregate") + fresh));
    try {
      URI[] executorServers = {
        URI.create("http://" + WORKERS[0] + ":" + executorPort),
        URI.create("http://" + WORKERS[1] + ":" + executorPort)
      };
      ClusterTests.awaitReady(shuffling, "join", Duration.ofMinutes(3), executorServers);
      ClusterTests.awaitReady(shuffling, "aggregate", Duration.ofMinutes(3), executorServers);
      ClusterTests.awaitHealthy(balancer, Duration.ofSeconds(30));
      List<CompletableFuture<HttpResponse<String>>> joins = new ArrayList<>();
      List<CompletableFuture<HttpResponse<String>>> counts = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        joins.add(
            ClusterTests.postAsync(
                balancer.resolve("/join"), "item-" + i, FRESH_APP_TIMEOUT.plusSeconds(15)));
        counts.add(
            ClusterTests.postAsync(
                balancer.resolve("/aggregate"),
                "w ".repeat(i + 1).trim(),
                FRESH_APP_TIMEOUT.plusSeconds(15)));
      }
      Set<String> joinedOn = new HashSet<>();
      Set<String> countedOn = new HashSet<>();
      for (int i = 0; i < joins.size(); i++) {
        HttpResponse<String> joined = joins.get(i).get(90, TimeUnit.SECONDS);
        assertEquals(200, joined.statusCode(), joined.body());
        assertEquals("join: ITEM-" + i + " #" + i, joined.body());
        joinedOn.add(joined.headers().firstValue("x-served-by").orElse("?"));
        HttpResponse<String> counted = counts.get(i).get(90, TimeUnit.SECONDS);
        assertEquals(200, counted.statusCode(), counted.body());
        assertEquals("aggregate: " + (i + 1) + " words", counted.body());
        countedOn.add(counted.headers().firstValue("x-served-by").orElse("?"));
      }
      System.out.printf(
          "ExecutorModeIT: join replies computed on %s, aggregate replies on %s%n",
          joinedOn, countedOn);
      // Two reduce partitions on two one-core executors: both compute replies, so replies for
      // clients of one executor were written on the other and forwarded.
      assertEquals(2, joinedOn.size(), "executors that computed join replies: " + joinedOn);
      assertEquals(2, countedOn.size(), "executors that computed aggregates: " + countedOn);
    } finally {
      cluster.stopDriver(shuffling);
    }
  }

  /** Real-time mode on the cluster: per executor, and (a second application) head-node. */
  @Test
  @Timeout(600)
  @Order(7)
  void realTimeModeServesOnTheClusterInBothModes() throws Exception {
    if (driver.isAlive()) {
      cluster.stopDriver(driver);
    }
    int rtControlPort = FreePorts.on("127.0.0.1");
    SparkDriver perExecutor =
        submit(
            "real-time-executor",
            List.of(
                service("rt", "executor", "echo", executorPort, "/echo")
                    + ",trigger=real-time,controlPort="
                    + rtControlPort
                    + ",requestTimeout="
                    + FRESH_APP_TIMEOUT.toSeconds()
                    + "s"));
    try {
      // Readiness: a first real-time batch ended and both executor servers answer health 200 (a
      // server runs inside its reader's task), then the balancer has them. No request is retried.
      URI[] executorServers = {
        URI.create("http://" + WORKERS[0] + ":" + executorPort),
        URI.create("http://" + WORKERS[1] + ":" + executorPort)
      };
      ClusterTests.awaitReady(perExecutor, "rt", Duration.ofMinutes(3), executorServers);
      ClusterTests.awaitHealthy(balancer, Duration.ofSeconds(30));
      Set<String> servedBy = new HashSet<>();
      for (int i = 0; i < 40 && servedBy.size() < 2; i++) {
        HttpResponse<String> response = postFresh(balancer.resolve("/echo"), "fast " + i);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("rt: FAST " + i, response.body());
        servedBy.add(response.headers().firstValue("x-served-by").orElse("?"));
      }
      assertEquals(2, servedBy.size(), "executors that answered 40 requests: " + servedBy);
      long start = System.nanoTime();
      for (int i = 0; i < 50; i++) {
        HttpResponse<String> response = postFresh(balancer.resolve("/echo"), "rt " + i);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("rt: RT " + i, response.body());
      }
      report("50 sequential real-time requests (executor mode)", start);
    } finally {
      // Real-time readers hold every task slot: a failure here must not starve what comes next.
      cluster.stopDriver(perExecutor);
    }

    int rtHeadPort = FreePorts.on("127.0.0.1");
    SparkDriver headNode =
        submit(
            "real-time-driver",
            List.of(
                service("rthead", "driver", "echo", rtHeadPort, "/")
                    + ",trigger=real-time,requestTimeout="
                    + FRESH_APP_TIMEOUT.toSeconds()
                    + "s"));
    try {
      headNode.awaitListening("127.0.0.1", rtHeadPort, Duration.ofMinutes(3));
      URI head = URI.create("http://127.0.0.1:" + rtHeadPort + "/");
      // Readiness: a first real-time batch ended, so readers on the executors have started once.
      ClusterTests.awaitReady(headNode, "rthead", Duration.ofMinutes(3), head);
      long start = System.nanoTime();
      for (int i = 0; i < 50; i++) {
        HttpResponse<String> response = postFresh(head, "head " + i);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("rthead: HEAD " + i, response.body());
        assertNotEquals("driver", response.headers().firstValue("x-served-by").orElse("driver"));
      }
      report("50 sequential real-time requests (driver mode, readers on executors)", start);
    } finally {
      cluster.stopDriver(headNode);
    }
  }

  /**
   * Security options and a restart, in executor mode on the cluster. Run 1: a bearer token on every
   * executor server (health stays open for HAProxy), asserted through the balancer. Run 2: the same
   * application submitted again with the same checkpoint and TLS turned on, as a user turning TLS
   * on restarts a service: batch ids continue the first run's, and every executor server serves
   * HTTPS with a certificate the test's own CA signed. The plan shuffles (most replies are computed
   * on the other executor and forwarded to the one holding the client), so run 2 also shows the
   * internal forwarding working beside TLS. Two submissions of a small application: about a minute
   * each on two cores.
   *
   * <p>The balancer's configuration (the one CI generates, like the Compose stack's
   * docker/haproxy/haproxy.cfg) speaks plain HTTP to its servers and health-checks them in plain
   * HTTP, so it cannot front TLS servers: run 2 asserts on each executor server directly, and that
   * the shipped balancer takes both TLS servers out (503) instead of passing requests on in clear.
   */
  @Test
  @Timeout(600)
  @Order(8)
  void securedExecutorModeServesWithItsTokenAndRestartsFromItsCheckpointWithTls() throws Exception {
    if (driver.isAlive()) {
      cluster.stopDriver(driver);
    }
    String token = "cluster-token-7";
    int secureControlPort = FreePorts.on("127.0.0.1");
    String service =
        service("secure", "executor", "shuffle", executorPort, "/echo")
            + ",authToken="
            + token
            + ",requestTimeout="
            + FRESH_APP_TIMEOUT.toSeconds()
            + "s,controlPort="
            + secureControlPort;
    TestCertificates tls = certificates.get(2, TimeUnit.MINUTES);
    String withTls = service + ",tlsCertFile=" + tls.certFile() + ",tlsKeyFile=" + tls.keyFile();
    URI[] executorServers = {
      URI.create("http://" + WORKERS[0] + ":" + executorPort),
      URI.create("http://" + WORKERS[1] + ":" + executorPort)
    };
    long firstRunLast = -1;
    for (int run = 1; run <= 2; run++) {
      boolean https = run == 2;
      SparkDriver app = submit("secure-" + run, List.of(https ? withTls : service));
      try {
        if (https) {
          assertEveryExecutorServesTls(app, tls, token, secureControlPort);
        } else {
          ClusterTests.awaitReady(app, "secure", Duration.ofMinutes(3), executorServers);
          ClusterTests.awaitHealthy(balancer, Duration.ofSeconds(30));
          HttpResponse<String> refused = postFresh(balancer.resolve("/echo"), "no token");
          assertEquals(401, refused.statusCode(), refused.body());
          assertEquals(
              "Bearer realm=\"sparkplug-http\"",
              refused.headers().firstValue("www-authenticate").orElse(""));
          for (String host : WORKERS) {
            HttpResponse<String> metrics =
                get(URI.create("http://" + host + ":" + executorPort + "/-/metrics"));
            assertEquals(401, metrics.statusCode(), "metrics without the token on " + host);
          }
          for (int i = 0; i < 10; i++) {
            HttpResponse<String> response =
                postWithToken(
                    ClusterTests.CLIENT, balancer.resolve("/echo"), "run" + run + " " + i, token);
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("secure: RUN" + run + " " + i, response.body());
          }
        }
        Awaitility.await("a progress with rows of run " + run)
            .atMost(Duration.ofSeconds(60))
            .until(() -> !batchesWithRows(app).isEmpty());
        List<Long> batches = batchesWithRows(app);
        if (run == 1) {
          firstRunLast = batches.get(batches.size() - 1);
        } else {
          assertTrue(
              batches.get(0) > firstRunLast,
              "the second run's batches "
                  + batches
                  + " must follow the first run's "
                  + firstRunLast);
        }
      } finally {
        cluster.stopDriver(app);
      }
    }
  }

  /**
   * Run 2 of test 8, on each executor server directly: a client trusting only the test CA (and
   * checking that the certificate names the executor's address) gets health, 401 without the token
   * and 200 with it; replies computed on the other executor reach it (forwarded, in both
   * directions); a plain-HTTP request to the TLS port is closed at once without an HTTP answer; a
   * client that does not trust the CA fails its handshake; the shipped balancer answers 503.
   */
  private static void assertEveryExecutorServesTls(
      SparkDriver app, TestCertificates tls, String token, int appControlPort) throws Exception {
    HttpClient https =
        HttpClient.newBuilder()
            .sslContext(tls.clientContext())
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    URI[] servers = {
      URI.create("https://" + WORKERS[0] + ":" + executorPort),
      URI.create("https://" + WORKERS[1] + ":" + executorPort)
    };
    ClusterTests.awaitReady(app, "secure", Duration.ofMinutes(3), https, servers);
    Map<String, String> executorOf = new HashMap<>();
    for (JsonNode server : awaitServing(2, appControlPort)) {
      executorOf.put(server.path("host").asText(), server.path("executorId").asText());
    }
    assertEquals(Set.of(WORKERS), executorOf.keySet(), "servers in the directory: " + executorOf);

    for (URI server : servers) {
      HttpResponse<String> refused = postWithToken(https, server.resolve("/echo"), "x", null);
      assertEquals(401, refused.statusCode(), "no token, over TLS, on " + server);
      HttpResponse<String> metrics =
          https
              .sendAsync(
                  java.net.http.HttpRequest.newBuilder(server.resolve("/-/metrics"))
                      .timeout(REQUEST_TIMEOUT)
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .get(REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
      assertEquals(401, metrics.statusCode(), "metrics without the token on " + server);
    }

    // Both executor servers at once, so that the shuffle's partitions spread over both executors.
    record Sent(String host, int i, CompletableFuture<HttpResponse<String>> response) {}
    List<Sent> sent = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 16; i++) {
      for (int h = 0; h < WORKERS.length; h++) {
        String body = "tls h" + h + "-" + i;
        sent.add(
            new Sent(
                WORKERS[h],
                i,
                https.sendAsync(
                    java.net.http.HttpRequest.newBuilder(servers[h].resolve("/echo"))
                        .timeout(FRESH_APP_TIMEOUT.plusSeconds(15))
                        .header("Authorization", "Bearer " + token)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())));
      }
    }
    Map<String, Set<String>> computedFor = new HashMap<>();
    for (Sent one : sent) {
      HttpResponse<String> response =
          one.response().get(FRESH_APP_TIMEOUT.toSeconds() + 20, TimeUnit.SECONDS);
      int h = one.host().equals(WORKERS[0]) ? 0 : 1;
      assertEquals(200, response.statusCode(), response.body());
      assertEquals("secure: TLS H" + h + "-" + one.i(), response.body());
      computedFor
          .computeIfAbsent(one.host(), host -> new HashSet<>())
          .add(response.headers().firstValue("x-served-by").orElse("?"));
    }
    report(sent.size() + " HTTPS requests to both executors, shuffled", start);
    System.out.printf(
        "ExecutorModeIT: over TLS, executors %s computed the replies for the clients of %s%n",
        computedFor, executorOf);
    for (String host : WORKERS) {
      Set<String> others = new HashSet<>(executorOf.values());
      others.remove(executorOf.get(host));
      assertTrue(
          computedFor.get(host).stream().anyMatch(others::contains),
          "no reply for a client of "
              + host
              + " came from the other executor (forwarded): "
              + computedFor);
    }

    for (String host : WORKERS) {
      String refusal = plainHttpToTlsPort(host, executorPort);
      System.out.println("ExecutorModeIT: plain HTTP to the TLS port of " + host + ": " + refusal);
    }

    // A client with only the JDK's CAs must not accept the test's certificate.
    try {
      HttpResponse<String> accepted =
          ClusterTests.CLIENT
              .sendAsync(
                  java.net.http.HttpRequest.newBuilder(servers[0].resolve("/-/health"))
                      .timeout(REQUEST_TIMEOUT)
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .get(REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
      throw new AssertionError("a client without the test CA got " + accepted.statusCode());
    } catch (java.util.concurrent.ExecutionException e) {
      assertTrue(
          causes(e).stream().anyMatch(cause -> cause instanceof SSLHandshakeException),
          "expected a failed handshake, got " + e);
    }

    // The shipped balancer checks /-/health in plain HTTP: both TLS servers fail it and are out.
    HttpResponse<String> balanced =
        Awaitility.await("the balancer takes both TLS servers out")
            .atMost(Duration.ofSeconds(15))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> postWithToken(ClusterTests.CLIENT, balancer.resolve("/echo"), "via", token),
                response -> response.statusCode() == 503);
    assertTrue(!balanced.body().startsWith("secure: "), balanced.body());
  }

  /**
   * Sends a plain-HTTP request to a TLS port on a raw connection and describes how the server
   * refused it; fails unless the server closed the connection within 5 s without an HTTP answer.
   */
  private static String plainHttpToTlsPort(String host, int port) throws IOException {
    long start = System.nanoTime();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 2_000);
      socket.setSoTimeout(5_000);
      socket
          .getOutputStream()
          .write(
              ("GET /-/health HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      String end;
      try {
        socket.getInputStream().transferTo(answer);
        end = "closed";
      } catch (SocketTimeoutException e) {
        throw new AssertionError(
            "plain HTTP to the TLS port of " + host + " still open after 5 s: " + answer.size());
      } catch (SocketException e) {
        end = "reset (" + e.getMessage() + ")";
      }
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      byte[] bytes = answer.toByteArray();
      assertTrue(
          !new String(bytes, StandardCharsets.ISO_8859_1).startsWith("HTTP/"),
          "the TLS port answered plain HTTP: " + new String(bytes, StandardCharsets.ISO_8859_1));
      return String.format(
          "%s after %d ms, %d bytes back%s",
          end,
          tookMs,
          bytes.length,
          bytes.length > 0 && bytes[0] == 0x15 ? " (a TLS alert record)" : "");
    }
  }

  private static List<Throwable> causes(Throwable e) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = e; t != null && chain.size() < 10; t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }

  /** Ids of the batches of query "secure" that read requests, from its progress lines. */
  private static List<Long> batchesWithRows(SparkDriver app) throws Exception {
    List<Long> ids = new ArrayList<>();
    for (String line :
        java.nio.file.Files.readAllLines(app.log(), java.nio.charset.StandardCharsets.ISO_8859_1)) {
      if (line.startsWith("progress secure ") && !line.contains(" rows 0 ")) {
        ids.add(Long.parseLong(line.split(" ")[2]));
      }
    }
    return ids;
  }

  /** A POST with {@code client}, with the bearer token unless {@code token} is null. */
  private static HttpResponse<String> postWithToken(
      HttpClient client, URI uri, String body, String token) throws Exception {
    java.net.http.HttpRequest.Builder request =
        java.net.http.HttpRequest.newBuilder(uri)
            .timeout(FRESH_APP_TIMEOUT.plusSeconds(15))
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return client
        .sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
        .get(FRESH_APP_TIMEOUT.toSeconds() + 20, TimeUnit.SECONDS);
  }

  /** A POST to an application of tests 6 to 8, within its FRESH_APP_TIMEOUT. */
  private static HttpResponse<String> postFresh(URI uri, String body) throws Exception {
    return ClusterTests.postAsync(uri, body, FRESH_APP_TIMEOUT.plusSeconds(15))
        .get(FRESH_APP_TIMEOUT.toSeconds() + 20, TimeUnit.SECONDS);
  }

  /**
   * A client's retry policy: up to three attempts, 200 ms apart. A retry sent within milliseconds
   * of the crash can still reach the dying executor (its kernel accepts the connection, then resets
   * it) before the balancer's health check has taken it out.
   */
  private static int retry(String body) {
    int status = -1;
    for (int attempt = 0; attempt < 3 && status != 200; attempt++) {
      try {
        TimeUnit.MILLISECONDS.sleep(200); // back-off between attempts, part of the policy
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return status;
      }
      status = sendQuietly(body);
    }
    return status;
  }

  private static int sendQuietly(String body) {
    try {
      HttpResponse<String> response = post(balancer.resolve("/echo"), body);
      return response.statusCode() == 200 && response.body().equals("echo: " + body.toUpperCase())
          ? 200
          : Math.max(response.statusCode(), 1);
    } catch (Exception e) {
      System.out.println("ExecutorModeIT: request failed: " + e);
      return -1;
    }
  }

  private static JsonNode awaitServing(int count) {
    return awaitServing(count, controlPort);
  }

  /** The directory of the application whose driver's controlPort is {@code port}. */
  private static JsonNode awaitServing(int count, int port) {
    return Awaitility.await("" + count + " executor servers serving")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              List<JsonNode> serving = new ArrayList<>();
              for (JsonNode server : directory(port).path("servers")) {
                if (server.path("state").asText().equals("serving")) {
                  serving.add(server);
                }
              }
              return JSON.valueToTree(serving);
            },
            servers -> servers.size() >= count);
  }

  private static String instanceOn(String host) throws Exception {
    JsonNode server = serverOn(host);
    return server == null ? "" : server.path("instance").asText();
  }

  private static JsonNode serverOn(String host) throws Exception {
    JsonNode found = null;
    for (JsonNode server : directory().path("servers")) {
      if (server.path("host").asText().equals(host)
          && !server.path("state").asText().equals("lost")) {
        found = server;
      }
    }
    return found;
  }

  private static JsonNode directory() throws Exception {
    return directory(controlPort);
  }

  private static JsonNode directory(int port) throws Exception {
    HttpResponse<String> response = get(URI.create("http://127.0.0.1:" + port + "/-/servers"));
    assertEquals(200, response.statusCode(), response.body());
    return JSON.readTree(response.body());
  }

  private static HttpResponse<String> post(URI uri, String body) throws Exception {
    return postAsync(uri, body).get(REQUEST_TIMEOUT.toSeconds() + 20, TimeUnit.SECONDS);
  }

  private static CompletableFuture<HttpResponse<String>> postAsync(URI uri, String body) {
    return ClusterTests.postAsync(uri, body, REQUEST_TIMEOUT.plusSeconds(15));
  }

  private static HttpResponse<String> get(URI uri) throws Exception {
    return ClusterTests.get(uri);
  }

  private static void report(String what, long since) {
    ClusterTests.report("ExecutorModeIT", what, since);
  }
}
