package io.sparkplug.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Faults on a real cluster, each under an open-loop load ({@link FaultLoad}: a fixed arrival rate,
 * one raw connection per request, a deadline per request): an executor cut off the network with
 * iptables, an executor frozen with SIGSTOP, an executor killed in driver mode, the driver killed
 * in executor mode, and the HDFS NameNode restarted. One cluster start for all of them: a Master,
 * two Workers on 127.0.0.12 and 127.0.0.13 (one executor each), HDFS for the checkpoints, HAProxy
 * in front of the executor servers.
 *
 * <p>Every fault asserts what no fault excuses: every request got exactly one response, counted on
 * the wire, or a connection failure, and no client waited past its deadline ({@code requestTimeout}
 * plus {@link #SLACK}). Each prints its figures (requests, failures, slowest failure, time to
 * drain, time to recover), which docs/operations.md records.
 *
 * <p>The partition needs root, iptables ({@code .ci/run} installs it) and a writable cgroup v2
 * hierarchy: the victim's Worker starts inside the cgroup {@value #RULE_TAG}, so that it and its
 * executor can be matched by {@code iptables -m cgroup}. The rules carry the comment {@value
 * #RULE_TAG} and are deleted in a finally block and again in {@link #stop()}.
 */
@Timeout(420)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultsIT {
  /**
   * Loopback addresses no other cluster test uses: a DROP rule for the victim's address then
   * touches nothing but this class's own Worker and executor, even beside other builds.
   */
  private static final String[] WORKERS = {"127.0.0.12", "127.0.0.13"};

  private static final String VICTIM = WORKERS[1];

  /** HAProxy's name for the victim's server: the second backend. */
  private static final String VICTIM_SERVER = "s2";

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  /** How much longer than requestTimeout a client may wait: scheduling on a loaded 2-core box. */
  private static final Duration SLACK = Duration.ofSeconds(5);

  private static final Duration DEADLINE = REQUEST_TIMEOUT.plus(SLACK);

  /** HAProxy's {@code timeout server}: requestTimeout plus 2 s, well inside a client's deadline. */
  private static final Duration BALANCER_SERVER_TIMEOUT = REQUEST_TIMEOUT.plusSeconds(2);

  private static final int RATE = 20;

  /** The comment on every iptables rule of this class, and the name of the victim's cgroup. */
  private static final String RULE_TAG = "sparkplug-cluster-faults-it";

  /** The cgroup v2 directory the victim's Worker and executor run in. */
  private static Path victimCgroup;

  private static final ObjectMapper JSON = new ObjectMapper();

  private static long classStart;
  private static LocalCluster cluster;
  private static String hdfs;
  private static Path connectorJar;
  private static Path testsJar;
  private static int executorPort;
  private static int controlPort;
  private static int headPort;
  private static URI balancer;
  private static SparkDriver driver;
  private static final List<Long> frozen = new ArrayList<>();
  private static final List<String> figures = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    classStart = System.nanoTime();
    // The cgroup first: a rule naming a cgroup that does not exist cannot even be checked for.
    victimCgroup = createVictimCgroup();
    deletePartitionRules();
    connectorJar = ClusterTests.requiredFile("sparkplug.connector.jar");
    testsJar = ClusterTests.requiredFile("sparkplug.tests.jar");
    cluster = LocalCluster.create("ClusterFaultsIT");
    cluster.startMaster();
    // The victim's Worker, and so the executor it forks, start inside the cgroup: every socket
    // they open carries it, including those to the driver and the Master at 127.0.0.1.
    hdfs = cluster.startWorkersAndHdfs(List.of(WORKERS), 1, "1g", Map.of(VICTIM, victimCgroup));
    report("cluster and HDFS up", classStart);
    executorPort = FreePorts.onEvery(WORKERS);
    controlPort = FreePorts.on("127.0.0.1");
    headPort = FreePorts.on("127.0.0.1");
    driver = submit("faults");
    awaitServing(driver);
    // HAProxy waits on a server that says nothing no longer than the connector's own 504 takes.
    balancer =
        cluster.startHaproxy(
            List.of(WORKERS[0] + ":" + executorPort, WORKERS[1] + ":" + executorPort),
            BALANCER_SERVER_TIMEOUT);
    awaitReplies();
    report("serving in both modes behind HAProxy", classStart);
  }

  @AfterAll
  static void stop() {
    try {
      deletePartitionRules();
      for (long pid : frozen) {
        signal("CONT", pid);
      }
    } finally {
      try {
        ClusterTests.closeAndAssertNothingLeft(cluster);
      } finally {
        removeVictimCgroup();
        figures.forEach(System.out::println);
        report("whole class", classStart);
      }
    }
  }

  /** The application: one executor-mode service (/echo) and one driver-mode service, on HDFS. */
  private static SparkDriver submit(String name) {
    List<String> services =
        List.of(
            "service=echo,mode=executor,plan=echo,path=/echo,port="
                + executorPort
                + ",controlPort="
                + controlPort
                + ",checkpoint="
                + hdfs
                + "/checkpoints/echo,requestTimeout="
                + REQUEST_TIMEOUT.toSeconds()
                + "s",
            "service=head,mode=driver,plan=slowtask,port="
                + headPort
                + ",checkpoint="
                + hdfs
                + "/checkpoints/head,requestTimeout="
                + REQUEST_TIMEOUT.toSeconds()
                + "s");
    return cluster.submit(
        name,
        "io.sparkplug.cluster.ServingApp",
        testsJar,
        List.of(connectorJar),
        Map.of(
            "spark.executor.memory", "512m",
            "spark.hadoop.dfs.replication", "1",
            // A replacement executor must not be refused as a repeat offender.
            "spark.excludeOnFailure.enabled", "false",
            // The driver's HDFS client retries NameNode calls for up to two minutes instead of
            // failing the query at the first refused connection (see nameNodeRestartWhileServing).
            "spark.hadoop.dfs.client.retry.policy.enabled", "true",
            "spark.hadoop.dfs.client.retry.policy.spec", "1000,120"),
        services);
  }

  private static void awaitServing(SparkDriver serving) throws InterruptedException {
    for (String host : WORKERS) {
      serving.awaitListening(host, executorPort, Duration.ofMinutes(3));
    }
    serving.awaitListening("127.0.0.1", headPort, Duration.ofMinutes(1));
  }

  /** Waits, bounded, until each executor server and the driver's service answer 200. */
  private static void awaitReplies() {
    for (String host : WORKERS) {
      awaitOk(URI.create("http://" + host + ":" + executorPort + "/echo"), Duration.ofMinutes(3));
    }
    awaitOk(URI.create("http://127.0.0.1:" + headPort + "/"), Duration.ofMinutes(3));
    awaitUntil(
        "HAProxy sees both executor servers UP",
        Duration.ofSeconds(60),
        () -> "UP".equals(haproxyStatus("s1")) && "UP".equals(haproxyStatus(VICTIM_SERVER)));
  }

  /**
   * The victim cut off both ways for 20 s: every packet to or from 127.0.0.13 is dropped, and so is
   * every packet the victim's Worker and executor send (their cgroup), which also cuts what they
   * send to the driver and the Master at 127.0.0.1 (on loopback those connections leave with source
   * address 127.0.0.1, so the address rules alone left them open). The test proves it is two-way:
   * HAProxy's health checks to the victim fail (it must drain it within 10 s), and the driver's
   * directory hears nothing from the victim's server for longer than the 5 s after which it counts
   * a server lost (with the address rules alone its status calls went on every second). After
   * healing, the victim must serve again.
   */
  @Test
  @Order(1)
  void partitionedExecutorIsDrainedAndServesAfterHealing() throws Exception {
    String victimId = executorIdOn(VICTIM);
    long victimPid = cluster.executorPids(VICTIM).get(0);
    String cgroupLine = Files.readString(Path.of("/proc/" + victimPid + "/cgroup")).strip();
    assertTrue(
        cgroupLine.lines().anyMatch(line -> line.equals("0::/" + RULE_TAG)),
        "the victim executor " + victimPid + " is not in cgroup " + RULE_TAG + ": " + cgroupLine);
    String victimInstance = victimServer().path("instance").asText();
    FaultLoad load = balancerLoad("partition");
    load.start(RATE, Duration.ofSeconds(50));
    long faultAt = awaitLoadTime(load, 8_000);
    long drainedAt;
    long silentAt;
    long healedAt;
    long longestSilenceMs;
    addPartitionRules();
    try {
      drainedAt = awaitStatus(load, VICTIM_SERVER, "DOWN", Duration.ofSeconds(15));
      // The executor's status calls to the driver (every second) no longer arrive.
      silentAt =
          awaitUntilMs(
              load,
              "the driver's directory hears nothing from the victim's server for 6 s",
              Duration.ofSeconds(15),
              () -> lastSeenMsAgo(victimInstance) > 6_000);
      awaitLoadTime(load, faultAt + 20_000);
      longestSilenceMs = lastSeenMsAgo(victimInstance);
    } finally {
      deletePartitionRules();
    }
    healedAt = load.nowMs();
    long upAt = awaitStatus(load, VICTIM_SERVER, "UP", Duration.ofSeconds(120));
    long servesAt = awaitDirectOk(load, VICTIM, Duration.ofSeconds(90));
    load.awaitEnd(Duration.ofSeconds(60).plus(DEADLINE));
    String healedId = executorIdOn(VICTIM);
    String healedInstance = victimServer().path("instance").asText();
    // From the executor's side (printed, not asserted: whether its server gives up within the
    // 20 s depends on where its 5 s call timeouts fall): calls to the driver failed.
    String unreachable = executorLogLine(VICTIM, "driver unreachable for");
    long servedThroughBalancer =
        load.firstStart(healedAt, e -> e.ok() && e.servedBy().equals(healedId));
    record(
        "two-way partition (iptables DROP to and from "
            + VICTIM
            + " and from the victim's cgroup, 20 s)",
        load,
        faultAt,
        healedAt,
        drainedAt - faultAt,
        servesAt - healedAt,
        String.format(
            Locale.ROOT,
            "HAProxy DOWN after %d ms, UP %d ms after healing; the driver heard nothing from the"
                + " victim's server for 6 s at %d ms, %d ms at healing; victim executor %s -> %s,"
                + " server %s -> %s; first reply from it through HAProxy %d ms after healing;"
                + " executor log: %s",
            drainedAt - faultAt,
            upAt - healedAt,
            silentAt - faultAt,
            longestSilenceMs,
            victimId,
            healedId,
            victimInstance,
            healedInstance,
            servedThroughBalancer < 0 ? -1 : servedThroughBalancer - healedAt,
            unreachable.replaceFirst(".*sparkplug-http: ", "")));
    assertNoViolations(load);
    assertTrue(drainedAt - faultAt < 10_000, "drained after " + (drainedAt - faultAt) + " ms");
  }

  /** The victim's executor JVM frozen (SIGSTOP) for 12 s, then SIGCONT. */
  @Test
  @Order(2)
  void frozenExecutorIsDrainedAndComesBackOnSigcont() throws Exception {
    awaitReplies();
    long pid = cluster.executorPids(VICTIM).get(0);
    FaultLoad load = balancerLoad("sigstop");
    load.start(RATE, Duration.ofSeconds(40));
    long faultAt = awaitLoadTime(load, 8_000);
    long drainedAt;
    long thawedAt;
    frozen.add(pid);
    signal("STOP", pid);
    try {
      drainedAt = awaitStatus(load, VICTIM_SERVER, "DOWN", Duration.ofSeconds(12));
      awaitLoadTime(load, faultAt + 12_000);
    } finally {
      signal("CONT", pid);
      frozen.remove(pid);
    }
    thawedAt = load.nowMs();
    long upAt = awaitStatus(load, VICTIM_SERVER, "UP", Duration.ofSeconds(60));
    long servesAt = awaitDirectOk(load, VICTIM, Duration.ofSeconds(60));
    load.awaitEnd(Duration.ofSeconds(60).plus(DEADLINE));
    record(
        "SIGSTOP of the executor on " + VICTIM + " for 12 s",
        load,
        faultAt,
        thawedAt,
        drainedAt - faultAt,
        servesAt - thawedAt,
        String.format(
            Locale.ROOT,
            "HAProxy DOWN after %d ms, UP %d ms after SIGCONT; same executor JVM (pid %d)",
            drainedAt - faultAt,
            upAt - thawedAt,
            pid));
    assertNoViolations(load);
    assertTrue(drainedAt - faultAt < 10_000, "drained after " + (drainedAt - faultAt) + " ms");
    assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "still alive");
  }

  /**
   * kill -9 of an executor while the driver-mode service's tasks on it hold requests: Spark runs
   * the lost tasks again on the other executor, and each request still gets exactly one response.
   */
  @Test
  @Order(3)
  void killedExecutorInDriverModeLosesNoRequest() throws Exception {
    awaitReplies();
    ProcessHandle victim = cluster.executors(VICTIM).get(0);
    long pid = victim.pid();
    String headQuery = "[queryId = " + queryIdPrefix("head") + "]";
    FaultLoad load =
        new FaultLoad(
            "kill-executor", new FaultLoad.Target("127.0.0.1", headPort, "/"), "head: ", DEADLINE);
    load.start(RATE, Duration.ofSeconds(30));
    awaitLoadTime(load, 8_000);
    // The kill lands while a task of the head query runs on the victim: right after the driver
    // logs that task's start (plan=slowtask holds every task at least 400 ms; the log is read
    // every 2 ms).
    long logFrom = Files.size(driver.log());
    awaitLogLine(
        driver.log(),
        logFrom,
        line ->
            line.contains(headQuery)
                && line.contains("Starting task")
                && line.contains("(" + VICTIM + ",executor"),
        Duration.ofSeconds(20));
    victim.destroyForcibly();
    long faultAt = load.nowMs();
    assertTrue(LocalCluster.awaitExit(victim, Duration.ofSeconds(10)), "executor survived -9");
    long killedAt = load.nowMs();
    load.awaitEnd(Duration.ofSeconds(60).plus(DEADLINE));
    String lost =
        linesFrom(driver.log(), logFrom).stream()
            // Spark 4.2 words it "task N failed because while it was being computed, its
            // executor exited"; older lines say "Lost task".
            .filter(
                line ->
                    line.contains(headQuery)
                        && (line.contains("Lost task") || line.contains("its executor exited")))
            .findFirst()
            .orElse("");
    assertTrue(!lost.isEmpty(), "a task of the head query was lost with the executor");
    // The Worker starts a replacement executor; the executor-mode service gives it a server.
    long replacedAt =
        awaitUntilMs(
            load,
            "a replacement executor serving on " + VICTIM,
            Duration.ofSeconds(120),
            () -> !cluster.executorPids(VICTIM).contains(pid) && okQuietly(victimEcho()));
    FaultLoad.Summary after = load.summary(faultAt - 2_000, Long.MAX_VALUE);
    record(
        "kill -9 of the executor on " + VICTIM + ", driver mode",
        load,
        faultAt,
        killedAt,
        -1,
        -1,
        String.format(
            Locale.ROOT,
            "replacement executor serving (executor mode) %d ms after the kill; around and after"
                + " the kill: %s; %s",
            replacedAt - killedAt,
            after,
            lost.replaceFirst(".*\\[batchId = \\d+\\] ", "")));
    assertNoViolations(load);
    FaultLoad.Summary all = load.summary(0, Long.MAX_VALUE);
    assertEquals(all.requests(), all.ok(), "every request answered 200: " + all);
  }

  /**
   * kill -9 of the driver in executor mode: the executor servers stop within their bound (the
   * executors exit with their application), clients fail fast, and the application submitted again
   * with the same checkpoints serves again behind the same balancer.
   */
  @Test
  @Order(5)
  void killedDriverStopsExecutorServersAndResubmissionServes() throws Exception {
    long lastBatch = latestBatch("/checkpoints/echo");
    FaultLoad load = balancerLoad("kill-driver");
    load.start(RATE, Duration.ofSeconds(25));
    long faultAt = awaitLoadTime(load, 8_000);
    cluster.killDriver(driver);
    long killedAt = load.nowMs();
    long[] stoppedAt = new long[WORKERS.length];
    for (int i = 0; i < WORKERS.length; i++) {
      String host = WORKERS[i];
      stoppedAt[i] =
          awaitUntilMs(
              load,
              "the executor server on " + host + " stops",
              Duration.ofSeconds(40),
              () -> !FreePorts.listening(host, executorPort));
    }
    long serversGone = Math.max(stoppedAt[0], stoppedAt[1]) - killedAt;
    load.awaitEnd(Duration.ofSeconds(60).plus(DEADLINE));
    FaultLoad.Summary afterKill = load.summary(killedAt, Long.MAX_VALUE);

    long resubmitted = System.nanoTime();
    driver = submit("faults-again");
    awaitServing(driver);
    awaitReplies();
    long recoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resubmitted);
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> response = post(balancer.resolve("/echo"), "again-" + i);
      assertEquals(200, response.statusCode(), response.body());
      assertEquals("echo: AGAIN-" + i, response.body());
    }
    awaitUntil(
        "a batch of the second run on HDFS",
        Duration.ofSeconds(60),
        () -> latestBatch("/checkpoints/echo") > lastBatch);
    record(
        "kill -9 of the driver, executor mode",
        load,
        faultAt,
        killedAt,
        serversGone,
        recoverMs,
        String.format(
            Locale.ROOT,
            "executor servers closed %d / %d ms after the kill; requests started after the kill:"
                + " %s; resubmitted app served through HAProxy %d ms after spark-submit;"
                + " checkpoint batches %d -> %d",
            stoppedAt[0] - killedAt,
            stoppedAt[1] - killedAt,
            afterKill,
            recoverMs,
            lastBatch,
            latestBatch("/checkpoints/echo")));
    assertNoViolations(load);
    assertTrue(serversGone < 20_000, "executor servers closed " + serversGone + " ms after");
    assertTrue(
        afterKill.slowestFailureMs() < 5_000,
        "a client waited " + afterKill.slowestFailureMs() + " ms after the driver died");
  }

  /**
   * The NameNode killed (kill -9) and started again on the same metadata while both services serve.
   * The driver's checkpoint writes cannot reach HDFS meanwhile; with the HDFS client's retry policy
   * on (see {@link #submit}) the queries wait for it instead of failing. Clients get one response
   * each within their deadline (504 while batches wait), and both services serve again once the
   * NameNode is back, without a resubmission.
   */
  @Test
  @Order(4)
  void nameNodeRestartWhileServing() throws Exception {
    awaitReplies();
    long echoBatch = latestBatch("/checkpoints/echo");
    long headBatch = latestBatch("/checkpoints/head");
    FaultLoad echo = balancerLoad("namenode-echo");
    FaultLoad head =
        new FaultLoad(
            "namenode-head", new FaultLoad.Target("127.0.0.1", headPort, "/"), "head: ", DEADLINE);
    echo.start(RATE / 2, Duration.ofSeconds(60));
    head.start(RATE / 2, Duration.ofSeconds(60));
    long faultAt = awaitLoadTime(echo, 8_000);
    cluster.restartNameNode();
    long backAt = echo.nowMs();
    long echoServes =
        awaitUntilMs(
            echo,
            "the executor-mode service answers after the NameNode restart",
            Duration.ofSeconds(90),
            () -> okQuietly(balancer.resolve("/echo")));
    long headServes =
        awaitUntilMs(
            echo,
            "the driver-mode service answers after the NameNode restart",
            Duration.ofSeconds(90),
            () -> okQuietly(URI.create("http://127.0.0.1:" + headPort + "/")));
    echo.awaitEnd(Duration.ofSeconds(60).plus(DEADLINE));
    head.awaitEnd(Duration.ofSeconds(60).plus(DEADLINE));
    boolean failed = driver.logContains(" failed: ");
    String detail =
        String.format(
            Locale.ROOT,
            "NameNode killed and ready again after %d ms (JVM start, block report, safe mode off);"
                + " a query failed: %s",
            backAt - faultAt,
            failed);
    record(
        "NameNode kill -9 and restart (HDFS checkpoints), executor mode",
        echo,
        faultAt,
        backAt,
        -1,
        echoServes - backAt,
        detail);
    record(
        "NameNode kill -9 and restart (HDFS checkpoints), driver mode",
        head,
        faultAt,
        backAt,
        -1,
        headServes - backAt,
        detail);
    assertNoViolations(echo);
    assertNoViolations(head);
    assertTrue(!failed && driver.isAlive(), "the queries ride through:\n" + driver.logTail(30));
    awaitUntil(
        "new batches of both queries on HDFS after the restart",
        Duration.ofSeconds(60),
        () ->
            latestBatch("/checkpoints/echo") > echoBatch
                && latestBatch("/checkpoints/head") > headBatch);
  }

  // ---- the load and what it saw -----------------------------------------------------------------

  private static FaultLoad balancerLoad(String label) {
    return new FaultLoad(
        label,
        new FaultLoad.Target(balancer.getHost(), balancer.getPort(), "/echo"),
        "echo: ",
        DEADLINE);
  }

  private static void assertNoViolations(FaultLoad load) {
    assertEquals(List.of(), load.violations(), "requests without exactly one timely outcome");
  }

  /** Prints and keeps one fault's figures: before, during and after the fault window. */
  private static void record(
      String fault,
      FaultLoad load,
      long faultAt,
      long endedAt,
      long drainMs,
      long recoverMs,
      String detail) {
    FaultLoad.Summary all = load.summary(0, Long.MAX_VALUE);
    String line =
        String.format(
            Locale.ROOT,
            "ClusterFaultsIT figures | %s | all: %s | before: %s | during: %s"
                + " | after: %s | drain %d ms | recover %d ms | %s",
            fault,
            all,
            load.summary(0, faultAt),
            load.summary(faultAt, endedAt),
            load.summary(endedAt, Long.MAX_VALUE),
            drainMs,
            recoverMs,
            detail);
    System.out.println(line);
    figures.add(line);
  }

  // ---- faults ----------------------------------------------------------------------------------

  /**
   * Every packet to or from the victim's address, and every packet its Worker and executor send
   * (matched by their cgroup, whatever the source address).
   */
  private static List<List<String>> partitionRules() {
    return List.of(
        List.of("INPUT", "-d", VICTIM, "-m", "comment", "--comment", RULE_TAG, "-j", "DROP"),
        List.of("INPUT", "-s", VICTIM, "-m", "comment", "--comment", RULE_TAG, "-j", "DROP"),
        List.of(
            "OUTPUT",
            "-m",
            "cgroup",
            "--path",
            RULE_TAG,
            "-m",
            "comment",
            "--comment",
            RULE_TAG,
            "-j",
            "DROP"));
  }

  /**
   * The victim's cgroup: a directory {@value #RULE_TAG} at the root of the cgroup v2 hierarchy
   * (mounted at /sys/fs/cgroup, or /sys/fs/cgroup/unified beside v1 controllers), which is the path
   * {@code iptables -m cgroup --path} names.
   */
  private static Path createVictimCgroup() throws IOException {
    Path root = null;
    for (String mount : Files.readAllLines(Path.of("/proc/self/mounts"))) {
      String[] fields = mount.split(" ");
      if (fields.length > 2 && fields[2].equals("cgroup2")) {
        root = Path.of(fields[1]);
        break;
      }
    }
    if (root == null || !Files.isWritable(root)) {
      throw new IllegalStateException(
          "the partition needs a writable cgroup v2 hierarchy (found " + root + ")");
    }
    Path cgroup = root.resolve(RULE_TAG);
    Files.createDirectories(cgroup);
    return cgroup;
  }

  /** Removes the victim's cgroup once its processes are gone (bounded). */
  private static void removeVictimCgroup() {
    if (victimCgroup == null) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (Files.isDirectory(victimCgroup)) {
      try {
        // rmdir: a cgroup directory holds only the kernel's files, and goes once it is empty.
        Files.delete(victimCgroup);
      } catch (IOException stillPopulated) {
        if (System.nanoTime() > deadline) {
          System.out.println(
              "ClusterFaultsIT: cannot remove " + victimCgroup + ": " + stillPopulated);
          return;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static void addPartitionRules() {
    for (List<String> rule : partitionRules()) {
      List<String> command = new ArrayList<>(List.of("iptables", "-w", "5", "-I"));
      command.addAll(rule);
      int status = run(command);
      if (status != 0) {
        deletePartitionRules();
        throw new IllegalStateException("iptables refused " + command + ": exit " + status);
      }
    }
    System.out.println("ClusterFaultsIT: added iptables rules " + partitionRules());
  }

  /** Deletes every copy of our rules (bounded); nothing to do when iptables is absent. */
  private static void deletePartitionRules() {
    for (List<String> rule : partitionRules()) {
      for (int attempt = 0; attempt < 10; attempt++) {
        List<String> check = new ArrayList<>(List.of("iptables", "-w", "5", "-C"));
        check.addAll(rule);
        if (run(check) != 0) {
          break;
        }
        List<String> delete = new ArrayList<>(List.of("iptables", "-w", "5", "-D"));
        delete.addAll(rule);
        run(delete);
      }
    }
  }

  private static void signal(String name, long pid) {
    int status = run(List.of("kill", "-" + name, Long.toString(pid)));
    if (status != 0) {
      throw new IllegalStateException("kill -" + name + " " + pid + ": exit " + status);
    }
  }

  /** Runs a short command, bounded to 20 s; its exit status (-1 when it cannot run). */
  private static int run(List<String> command) {
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return -1;
      }
      return process.exitValue();
    } catch (java.io.IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  // ---- the driver's log ---------------------------------------------------------------------

  /** The first five characters of a query's id, as Spark tags its task log lines. */
  private static String queryIdPrefix(String queryName) throws IOException {
    Matcher matcher =
        Pattern.compile("Starting " + queryName + " \\[id = ([0-9a-f]{5})")
            .matcher(Files.readString(driver.log(), StandardCharsets.ISO_8859_1));
    if (!matcher.find()) {
      throw new IllegalStateException("no start of query " + queryName + " in " + driver.log());
    }
    return matcher.group(1);
  }

  /** Reads {@code log} from {@code offset} every 2 ms until a line matches (bounded). */
  private static String awaitLogLine(Path log, long offset, Predicate<String> match, Duration bound)
      throws IOException {
    long deadline = System.nanoTime() + bound.toNanos();
    StringBuilder partial = new StringBuilder();
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long at = offset;
      byte[] buffer = new byte[64 * 1024];
      while (System.nanoTime() < deadline) {
        file.seek(at);
        int n = file.read(buffer);
        if (n > 0) {
          at += n;
          partial.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
          int newline;
          while ((newline = partial.indexOf("\n")) >= 0) {
            String line = partial.substring(0, newline);
            partial.delete(0, newline + 1);
            if (match.test(line)) {
              return line;
            }
          }
          continue;
        }
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    throw new AssertionError("no matching line in " + log + " within " + bound);
  }

  private static List<String> linesFrom(Path log, long offset) throws IOException {
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      byte[] bytes = new byte[(int) Math.max(0, file.length() - offset)];
      file.seek(offset);
      file.readFully(bytes);
      return new String(bytes, StandardCharsets.ISO_8859_1).lines().toList();
    }
  }

  // ---- conditions -------------------------------------------------------------------------------

  /** HAProxy's status of one backend server ({@code UP}, {@code DOWN}, {@code UP 1/2}...). */
  private static String haproxyStatus(String server) {
    try {
      String csv = ClusterTests.getOk(URI.create(cluster.haproxyStats() + ";csv"));
      for (String line : csv.lines().toList()) {
        String[] fields = line.split(",", -1);
        if (fields.length > 17 && fields[0].equals("sparkplug") && fields[1].equals(server)) {
          return fields[17];
        }
      }
      return "absent";
    } catch (Exception e) {
      return "unreadable";
    }
  }

  /** The load's clock when HAProxy first shows {@code server} in {@code status} (a prefix). */
  private static long awaitStatus(FaultLoad load, String server, String status, Duration bound) {
    return awaitUntilMs(
        load,
        "HAProxy shows " + server + " " + status,
        bound,
        () -> {
          String now = haproxyStatus(server);
          return status.equals("UP") ? now.equals("UP") : now.startsWith(status);
        });
  }

  private static URI victimEcho() {
    return URI.create("http://" + VICTIM + ":" + executorPort + "/echo");
  }

  /** The load's clock when the executor server on {@code host} answers a direct POST 200. */
  private static long awaitDirectOk(FaultLoad load, String host, Duration bound) {
    URI uri = URI.create("http://" + host + ":" + executorPort + "/echo");
    return awaitUntilMs(
        load, "the executor server on " + host + " answers", bound, () -> okQuietly(uri));
  }

  private static long awaitLoadTime(FaultLoad load, long atMs) {
    return awaitUntilMs(
        load, "load time " + atMs + " ms", Duration.ofSeconds(60), () -> load.nowMs() >= atMs);
  }

  private static long awaitUntilMs(
      FaultLoad load, String what, Duration bound, BooleanSupplier condition) {
    awaitUntil(what, bound, condition);
    return load.nowMs();
  }

  private static void awaitUntil(String what, Duration bound, BooleanSupplier condition) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + bound + ": " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
  }

  private static void awaitOk(URI uri, Duration bound) {
    awaitUntil(uri + " answers 200", bound, () -> okQuietly(uri));
  }

  private static boolean okQuietly(URI uri) {
    try {
      return post(uri, "probe").statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  /** The victim's entry in the driver's directory of executor servers: a serving one if any. */
  private static JsonNode victimServer() throws Exception {
    JsonNode found = JSON.missingNode();
    for (JsonNode server : directory().path("servers")) {
      if (server.path("host").asText().equals(VICTIM)
          && (found.isMissingNode() || server.path("state").asText().equals("serving"))) {
        found = server;
      }
    }
    return found;
  }

  /** How long ago the driver last heard from server {@code instance}; -1 when unreadable. */
  private static long lastSeenMsAgo(String instance) {
    try {
      for (JsonNode server : directory().path("servers")) {
        if (server.path("instance").asText().equals(instance)) {
          return server.path("lastSeenMsAgo").asLong(-1);
        }
      }
      return -1;
    } catch (Exception e) {
      return -1;
    }
  }

  private static JsonNode directory() throws Exception {
    return JSON.readTree(
        ClusterTests.getOk(URI.create("http://127.0.0.1:" + controlPort + "/-/servers")));
  }

  /** The first line holding {@code text} in the logs of the executors on {@code host}, or "". */
  private static String executorLogLine(String host, String text) throws IOException {
    Path work = cluster.stateDir().resolve("work").resolve(host);
    try (Stream<Path> files = Files.walk(work, 3)) {
      for (Path log : files.filter(f -> f.getFileName().toString().equals("stderr")).toList()) {
        for (String line : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
          if (line.contains(text)) {
            return line;
          }
        }
      }
    }
    return "";
  }

  /** The executor id that computes replies on {@code host}'s server (echo computes where read). */
  private static String executorIdOn(String host) {
    try {
      HttpResponse<String> response =
          post(URI.create("http://" + host + ":" + executorPort + "/echo"), "who");
      return response.headers().firstValue("x-served-by").orElse("?");
    } catch (Exception e) {
      return "unreachable";
    }
  }

  private static HttpResponse<String> post(URI uri, String body) throws Exception {
    return ClusterTests.postAsync(uri, body, DEADLINE)
        .get(DEADLINE.toSeconds() + 5, TimeUnit.SECONDS);
  }

  private static long latestBatch(String checkpoint) {
    try {
      long latest = -1;
      for (String name : ClusterTests.hdfsListing(cluster, checkpoint + "/offsets")) {
        if (name.chars().allMatch(Character::isDigit)) {
          latest = Math.max(latest, Long.parseLong(name));
        }
      }
      return latest;
    } catch (Exception e) {
      return -1;
    }
  }

  private static void report(String what, long since) {
    ClusterTests.report("ClusterFaultsIT", what, since);
  }
}
