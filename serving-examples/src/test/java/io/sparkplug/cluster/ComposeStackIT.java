package io.sparkplug.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
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
 * The whole {@code docker/compose.yaml} stack on a real container engine, driven through the {@code
 * docker/sparkplug} CLI as a user drives it: {@code up} builds the image from this build's jars and
 * starts HDFS, a Spark Master with one Worker, the README's QuoteService as the serving driver and
 * HAProxy; {@code submit} replaces it with the same quote API in executor mode (its checkpoint on
 * the stack's HDFS) behind HAProxy; {@code scale} adds a Worker, whose executor server joins the
 * balancer; a Worker container is killed under load; {@code down --volumes} leaves nothing of the
 * project behind.
 *
 * <p>The engine is podman (through docker-compose 1.29 and podman's API service, which the CLI
 * starts and stops) or Docker with Compose v2; {@code SPARKPLUG_ENGINE} picks one. The images build
 * on the local base of {@code docker/base} (Debian packages and Maven jars) unless {@code
 * -Dsparkplug.compose.base=official}. Where no engine is installed the class fails: {@code .ci/run}
 * installs podman. Every wait has a deadline; the whole class takes 2-4 minutes on two cores.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class ComposeStackIT {
  private static final String APPLE = "{\"item\":\"apple\",\"quantity\":3}";
  private static final String APPLE_QUOTE =
      "{\"item\":\"apple\",\"quantity\":3,\"unitPrice\":0.5,\"total\":1.5}";
  private static final String PEAR = "{\"item\":\"pear\",\"quantity\":2}";
  private static final String PEAR_QUOTE =
      "{\"item\":\"pear\",\"quantity\":2,\"unitPrice\":0.6,\"total\":1.2}";
  private static final String EXECUTOR_APP = "quote-executors";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Host ports, free when chosen, so that the stack does not clash with anything running. */
  private static final Map<String, String> PORTS = new HashMap<>();

  private static ComposeStack stack;
  private static boolean down;

  @BeforeAll
  // Bounded even when a blocking call ignores interrupts: the method runs in its own thread.
  @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  static void up() throws Exception {
    String engine =
        ComposeStack.detectEngine()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "no container engine: install podman, runc and docker-compose"
                            + " (apt-get install podman runc docker-compose; .ci/run does) or"
                            + " Docker with Compose v2"));
    for (String key :
        List.of(
            "SERVICE_PORT",
            "CONTROL_PORT",
            "LB_PORT",
            "LB_STATS_PORT",
            "MASTER_UI_PORT",
            "NAMENODE_UI_PORT")) {
      PORTS.put(key, Integer.toString(FreePorts.on("127.0.0.1")));
    }
    Map<String, String> settings = new HashMap<>(PORTS);
    // Small containers: a build machine of two cores, not a serving one. One core per Worker and
    // per executor: each Worker container runs one executor, which is one server behind HAProxy.
    settings.put("WORKER_CORES", "1");
    settings.put("WORKER_MEMORY", "1g");
    settings.put("EXECUTOR_CORES", "1");
    settings.put("EXECUTOR_MEMORY", "512m");
    settings.put("DRIVER_MEMORY", "768m");
    settings.put("SPARKPLUG_BASE", System.getProperty("sparkplug.compose.base", "local"));
    settings.put("SPARKPLUG_MVN_OFFLINE", "true");
    Path state =
        Path.of(System.getProperty("sparkplug.it.state", "target/cluster-it"))
            .toAbsolutePath()
            .resolve("compose");
    Files.createDirectories(state);
    // What an earlier run submitted would otherwise be what `up` starts.
    Files.deleteIfExists(state.resolve("apps").resolve("submitted.env"));
    // A project name of its own: another checkout's stack on the same engine is left alone.
    String project = "sparkplug-it-" + ProcessHandle.current().pid();
    // An image of its own too: two checkouts building sparkplug-http:<version> on one engine at
    // once would each start the other's.
    settings.put("SPARKPLUG_IMAGE", "localhost/sparkplug-http-it:" + project);
    stack = new ComposeStack(cli(), state, project, engine, settings);
    System.out.printf("ComposeStackIT: engine %s, project %s, state %s%n", engine, project, state);

    long started = System.nanoTime();
    stack.sparkplug(Duration.ofMinutes(7), "up", "--workers", "1", "--timeout", "360");
    ClusterTests.report("ComposeStackIT", "sparkplug up (build, start, first health 200)", started);
  }

  @AfterAll
  @Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  static void tearDown() {
    if (stack == null || down) {
      return;
    }
    // A test failed before `down` ran: take the stack down all the same, then stop the API
    // service by its recorded PID if `down` could not.
    try {
      stack.sparkplugMayFail(Duration.ofMinutes(3), "down", "--volumes");
    } finally {
      stack.recordedService().ifPresent(ProcessHandle::destroy);
      stack.engineCommand(
          Duration.ofMinutes(1), "rmi", "localhost/sparkplug-http-it:" + stack.project());
    }
  }

  /** The README's example as `up` starts it: QuoteService serving through HAProxy. */
  @Test
  @Order(1)
  void upServesTheReadmeExampleThroughHaproxyAndFromTheDriver() throws Exception {
    HttpResponse<String> viaBalancer = post(lb("/quote"), APPLE);
    assertEquals(200, viaBalancer.statusCode(), viaBalancer.body());
    assertEquals(APPLE_QUOTE, viaBalancer.body());
    HttpResponse<String> direct = post(port("SERVICE_PORT", "/quote"), APPLE);
    assertEquals(200, direct.statusCode(), direct.body());
    assertEquals(APPLE_QUOTE, direct.body());
    HttpResponse<String> unknown = post(lb("/quote"), "{\"item\":\"kiwi\",\"quantity\":1}");
    assertEquals(404, unknown.statusCode(), unknown.body());
    assertEquals("{\"error\":\"unknown item 'kiwi'\"}", unknown.body());
    assertEquals(1, aliveWorkers());
  }

  /**
   * `submit --mode executor`: the quote API served by the executor in the Worker container behind
   * HAProxy, checkpointing on the stack's HDFS.
   */
  @Test
  @Order(2)
  void submitServesTheQuoteApiFromTheExecutorBehindHaproxyWithItsCheckpointOnHdfs()
      throws Exception {
    long started = System.nanoTime();
    stack.sparkplug(
        Duration.ofMinutes(5),
        "submit",
        ClusterTests.requiredFile("sparkplug.tests.jar").toString(),
        "--class",
        ComposeQuoteApp.class.getName(),
        "--mode",
        "executor",
        "--name",
        EXECUTOR_APP,
        // QuoteService, whose computation the app serves, is in the examples jar.
        "--jars",
        ClusterTests.requiredFile("sparkplug.examples.jar").toString(),
        "--timeout",
        "240");
    ClusterTests.report("ComposeStackIT", "submit --mode executor to serving via HAProxy", started);

    HttpResponse<String> quote = post(lb("/quote"), APPLE);
    assertEquals(200, quote.statusCode(), quote.body());
    assertEquals(APPLE_QUOTE, quote.body());
    assertEquals("application/json", quote.headers().firstValue("content-type").orElse(""));
    assertTrue(quote.headers().firstValue("x-served-by").isPresent(), "not from an executor");
    // In executor mode nothing listens on the driver's service port.
    assertTrue(
        !FreePorts.listening("127.0.0.1", Integer.parseInt(PORTS.get("SERVICE_PORT")))
            || post(port("SERVICE_PORT", "/quote"), APPLE).statusCode() != 200,
        "the driver serves in executor mode");

    JsonNode directory = servers();
    assertEquals("executor", directory.path("mode").asText(), directory.toString());
    assertEquals(1, serving(directory).size(), directory.toString());

    // The checkpoint lives on the stack's HDFS: offsets and commits of the batches so far.
    awaitTrue(
        "offsets and commits of " + EXECUTOR_APP + " on HDFS",
        Duration.ofSeconds(60),
        () -> {
          List<String> names = hdfsListing("/sparkplug/checkpoints/" + EXECUTOR_APP);
          return names.contains("offsets") && names.contains("commits");
        });
  }

  /** `scale --workers 2`: the new Worker's executor starts a server that joins the balancer. */
  @Test
  @Order(3)
  void scaledWorkerAddsAnExecutorServerToTheBalancer() throws Exception {
    long started = System.nanoTime();
    stack.sparkplug(Duration.ofMinutes(3), "scale", "--workers", "2");
    assertEquals(2, stack.containers("spark-worker", false).size());
    awaitTrue("two serving executor servers", Duration.ofSeconds(150), () -> servingCount() == 2);
    Set<String> servedBy = new HashSet<>();
    awaitTrue(
        "replies from both executors through HAProxy",
        Duration.ofSeconds(60),
        () -> {
          HttpResponse<String> response = post(lb("/quote"), PEAR);
          if (response.statusCode() == 200 && response.body().equals(PEAR_QUOTE)) {
            response.headers().firstValue("x-served-by").ifPresent(servedBy::add);
          }
          return servedBy.size() == 2;
        });
    ClusterTests.report("ComposeStackIT", "scale 1 -> 2 to both executors serving", started);
    assertEquals(2, aliveWorkers());
  }

  /**
   * kill -9 of a Worker container under load: no client waits for a dead server (every request ends
   * within a few seconds), a request that failed succeeds when retried (three attempts 200 ms
   * apart), the surviving executor keeps serving, and `scale` brings the Worker back with a new
   * executor server that serves.
   */
  @Test
  @Order(4)
  void killedWorkerContainerFailsClientsFastAndTheServiceRecovers() throws Exception {
    String victim = stack.container("spark-worker", 2);
    Set<String> before = instances(serving(servers()));
    record Outcome(long startedMs, long tookMs, int status, int retryStatus) {}
    ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    ExecutorService load = Executors.newFixedThreadPool(4);
    long loadStart = System.nanoTime();
    long loadEnd = loadStart + TimeUnit.SECONDS.toNanos(20);
    List<CompletableFuture<Void>> senders = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      senders.add(
          CompletableFuture.runAsync(
              () -> {
                while (System.nanoTime() < loadEnd) {
                  long start = System.nanoTime();
                  int status = postQuietly(PEAR);
                  long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                  int retryStatus = status == 200 ? 0 : retry(PEAR);
                  outcomes.add(
                      new Outcome(
                          TimeUnit.NANOSECONDS.toMillis(start - loadStart),
                          took,
                          status,
                          retryStatus));
                }
              },
              load));
    }
    awaitTrue("traffic before the kill", Duration.ofSeconds(30), () -> outcomes.size() > 20);
    long killedAtMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - loadStart);
    long killedAt = System.nanoTime();
    ComposeStack.Result kill =
        stack.engineCommand(Duration.ofSeconds(60), "kill", "--signal", "KILL", victim);
    assertTrue(kill.ok(), "kill failed: " + kill.err());
    CompletableFuture.allOf(senders.toArray(new CompletableFuture<?>[0])).get(90, TimeUnit.SECONDS);
    load.shutdownNow();

    List<Outcome> failed = outcomes.stream().filter(o -> o.status() != 200).toList();
    long slowest = outcomes.stream().mapToLong(Outcome::tookMs).max().orElse(0);
    long slowestFailure = failed.stream().mapToLong(Outcome::tookMs).max().orElse(0);
    long lost = failed.stream().filter(o -> o.retryStatus() != 200).count();
    long servedAfter =
        outcomes.stream()
            .filter(o -> o.startedMs() > killedAtMs + 3_000 && o.status() == 200)
            .count();
    System.out.printf(
        "ComposeStackIT: %d requests around the kill, %d failed first (in at most %d ms; slowest"
            + " request %d ms), %d failed their retries, %d answered 3 s after the kill%n",
        outcomes.size(), failed.size(), slowestFailure, slowest, lost, servedAfter);
    // Fail fast: a client of the killed server learns at once (its connection breaks, HAProxy's
    // connect timeout is 1 s), and no client waits past the service's 20 s request timeout, let
    // alone HAProxy's 60 s server timeout.
    assertTrue(slowestFailure < 5_000, "a failing client waited " + slowestFailure + " ms");
    assertTrue(slowest < 22_000, "a client waited " + slowest + " ms");
    assertEquals(0, lost, "requests whose retry failed too: " + failed);
    assertTrue(servedAfter > 10, "the surviving executor kept serving: " + servedAfter);

    // Compose starts the killed container again; its Worker registers and Spark gives the
    // application a new executor there, whose server joins the balancer.
    stack.sparkplug(Duration.ofMinutes(3), "scale", "--workers", "2");
    awaitTrue(
        "a new executor server serving beside the survivor",
        Duration.ofSeconds(150),
        () -> {
          List<JsonNode> serving = serving(servers());
          return serving.size() == 2 && !before.containsAll(instances(serving));
        });
    Set<String> servedBy = new HashSet<>();
    awaitTrue(
        "replies from both executors again",
        Duration.ofSeconds(60),
        () -> {
          HttpResponse<String> response = post(lb("/quote"), PEAR);
          if (response.statusCode() == 200 && response.body().equals(PEAR_QUOTE)) {
            response.headers().firstValue("x-served-by").ifPresent(servedBy::add);
          }
          return servedBy.size() == 2;
        });
    ClusterTests.report("ComposeStackIT", "kill of a Worker to two executors serving", killedAt);
  }

  /** `status` and `logs` show the running stack and application as a user reads them. */
  @Test
  @Order(5)
  void statusAndLogsDescribeTheRunningStack() {
    String status = stack.sparkplug(Duration.ofMinutes(1), "status").out();
    assertTrue(status.contains("status=ALIVE workers alive=2"), status);
    assertTrue(status.contains("application " + EXECUTOR_APP + " (executor mode"), status);
    assertTrue(
        status.lines().filter(line -> line.contains(":9090") && line.contains("serving")).count()
            == 2,
        status);
    String logs = stack.sparkplug(Duration.ofMinutes(1), "logs", "driver", "--lines", "400").out();
    assertTrue(logs.contains("quote service started in executor mode"), logs);
  }

  /** `down --volumes`: no container, network or volume of the project, no API service left. */
  @Test
  @Order(6)
  void downLeavesNothingBehind() {
    long started = System.nanoTime();
    stack.sparkplug(Duration.ofMinutes(3), "down", "--volumes");
    down = true;
    ClusterTests.report("ComposeStackIT", "down --volumes", started);
    assertEquals(List.of(), stack.leftovers(), "left behind by down");
    assertTrue(stack.recordedService().isEmpty(), "the podman API service still runs");
    // The base images stay as the cache of the next run; this run's own image goes.
    stack.engineCommand(
        Duration.ofMinutes(1), "rmi", "localhost/sparkplug-http-it:" + stack.project());
  }

  private static Path cli() {
    Path toolkit =
        Path.of(System.getProperty("sparkplug.toolkit", "../docker/local/sparkplug-local"));
    return toolkit.toAbsolutePath().getParent().getParent().resolve("sparkplug");
  }

  private static URI lb(String path) {
    return port("LB_PORT", path);
  }

  private static URI port(String key, String path) {
    return URI.create("http://127.0.0.1:" + PORTS.get(key) + path);
  }

  private static HttpResponse<String> post(URI uri, String body) throws Exception {
    return ClusterTests.CLIENT.send(
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A client's retry policy: up to three more attempts, 200 ms apart; the last status. */
  private static int retry(String body) {
    int status = -1;
    for (int attempt = 0; attempt < 3 && status != 200; attempt++) {
      try {
        TimeUnit.MILLISECONDS.sleep(200); // back-off between attempts, part of the policy
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return status;
      }
      status = postQuietly(body);
    }
    return status;
  }

  /** A quote through HAProxy: its status, or -1 when the exchange itself failed. */
  private static int postQuietly(String body) {
    try {
      HttpResponse<String> response =
          ClusterTests.CLIENT.send(
              HttpRequest.newBuilder(lb("/quote"))
                  .timeout(Duration.ofSeconds(15))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 && !response.body().equals(PEAR_QUOTE)
          ? -2
          : response.statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  /** The driver's directory of executor servers ({@code GET /-/servers} on the control port). */
  private static JsonNode servers() throws Exception {
    return JSON.readTree(ClusterTests.getOk(port("CONTROL_PORT", "/-/servers")));
  }

  private static List<JsonNode> serving(JsonNode directory) {
    List<JsonNode> serving = new ArrayList<>();
    for (JsonNode server : directory.path("servers")) {
      if (server.path("state").asText().equals("serving")) {
        serving.add(server);
      }
    }
    return serving;
  }

  private static int servingCount() {
    try {
      return serving(servers()).size();
    } catch (Exception notYet) {
      return -1;
    }
  }

  private static Set<String> instances(List<JsonNode> servers) {
    Set<String> instances = new HashSet<>();
    servers.forEach(server -> instances.add(server.path("instance").asText()));
    return instances;
  }

  private static int aliveWorkers() throws Exception {
    JsonNode master = JSON.readTree(ClusterTests.getOk(port("MASTER_UI_PORT", "/json/")));
    assertEquals("ALIVE", master.path("status").asText(), master.toString());
    return master.path("aliveworkers").asInt();
  }

  /** Names in an HDFS folder through WebHDFS on the NameNode's published port; none if absent. */
  private static List<String> hdfsListing(String path) throws Exception {
    HttpResponse<String> response =
        ClusterTests.get(
            port("NAMENODE_UI_PORT", "/webhdfs/v1" + path + "?op=LISTSTATUS&user.name=root"));
    if (response.statusCode() == 404) {
      return List.of();
    }
    assertEquals(200, response.statusCode(), response.body());
    List<String> names = new ArrayList<>();
    for (JsonNode status : JSON.readTree(response.body()).path("FileStatuses").path("FileStatus")) {
      names.add(status.path("pathSuffix").asText());
    }
    return names;
  }

  /** Polls {@code condition} every 500 ms until it holds, failing after {@code atMost}. */
  private static void awaitTrue(String what, Duration atMost, Callable<Boolean> condition) {
    Awaitility.await(what)
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(condition);
  }
}
