package io.sparkplug.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkplug.examples.common.SparkJvm;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * One jar, both lines: the connector jar this reactor builds against Spark 4.2 ({@code
 * connector/target/*.jar}, not its classes) serving on Spark 4.1.3.
 *
 * <ol>
 *   <li>On a plain 4.1.3 classpath: a JVM of its own whose classpath is the 4.1.3 Spark home's jars
 *       (resolved from Maven Central by {@code sparkplug-local homes}), the built connector jar and
 *       the test application, {@code local[3]}: a micro-batch and a real-time service.
 *   <li>On a 4.1.3 cluster: Master, two Workers, executors and the driver all from the 4.1.3 home,
 *       one application serving head-node and per-executor (behind HAProxy), each in both triggers.
 * </ol>
 *
 * The version comes from {@code sparkplug.other.spark.version} (failsafe sets it); the homes are
 * built in {@code pre-integration-test}.
 */
@Timeout(360)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkLine41IT {
  private static final String[] WORKERS = {"127.0.0.2", "127.0.0.3"};
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

  private static long classStart;
  private static String version;
  private static Path sparkHome;
  private static Path connectorJar;
  private static Path testsJar;
  private static LocalCluster cluster;

  @BeforeAll
  static void homes() throws Exception {
    classStart = System.nanoTime();
    version = System.getProperty("sparkplug.other.spark.version", "4.1.3");
    connectorJar = ClusterTests.requiredFile("sparkplug.connector.jar");
    testsJar = ClusterTests.requiredFile("sparkplug.tests.jar");
    Path state =
        Path.of(System.getProperty("sparkplug.it.state", "target/cluster-it"))
            .resolve("SparkLine41IT-env")
            .toAbsolutePath();
    Map<String, String> environment = new java.util.LinkedHashMap<>();
    environment.put("SPARKPLUG_SPARK_VERSION", version);
    String homes = System.getProperty("sparkplug.homes");
    if (homes != null && !homes.isBlank()) {
      environment.put("SPARKPLUG_HOMES", homes);
    }
    Path script =
        Path.of(System.getProperty("sparkplug.toolkit", "../docker/local/sparkplug-local"))
            .toAbsolutePath();
    Files.createDirectories(state);
    sparkHome =
        Path.of(
            new LocalToolkit(script, state, environment)
                .run(Duration.ofSeconds(60), "env")
                .get("SPARK_HOME"));
    // The home holds this line's Spark and no other: the jar under test meets only 4.1.3 classes.
    List<String> sparkJars;
    try (Stream<Path> jars = Files.list(sparkHome.resolve("jars"))) {
      sparkJars =
          jars.map(p -> p.getFileName().toString())
              .filter(name -> name.startsWith("spark-") && !name.startsWith("spark-mllib"))
              .toList();
    }
    assertTrue(sparkJars.contains("spark-core_2.13-" + version + ".jar"), sparkJars.toString());
    assertTrue(sparkJars.contains("spark-sql_2.13-" + version + ".jar"), sparkJars.toString());
    assertTrue(
        sparkJars.stream().allMatch(name -> name.endsWith("-" + version + ".jar")),
        "only Spark " + version + " jars: " + sparkJars);
  }

  @AfterAll
  static void stop() {
    ClusterTests.closeAndAssertNothingLeft(cluster);
    report("whole class", classStart);
  }

  /** The built jar on a 4.1.3 classpath, local master, one JVM: micro-batch and real-time. */
  @Test
  @Order(1)
  void builtJarServesOnPlainSpark41Classpath() throws Exception {
    long start = System.nanoTime();
    int microBatchPort = FreePorts.on("127.0.0.1");
    int realTimePort = FreePorts.on("127.0.0.1");
    Path dir =
        Path.of(System.getProperty("sparkplug.it.state", "target/cluster-it"))
            .resolve("SparkLine41IT-local")
            .toAbsolutePath();
    Files.createDirectories(dir);
    Path log = dir.resolve("app.log");
    List<String> command =
        SparkJvm.command(
            List.of(
                "-Xmx1g",
                "-Dspark.master=local[3]",
                "-Dspark.ui.enabled=false",
                "-Dspark.driver.host=127.0.0.1",
                "-cp",
                sparkHome.resolve("jars") + "/*:" + connectorJar + ":" + testsJar,
                "io.sparkplug.cluster.ServingApp",
                service("mb", "driver", microBatchPort, "/", dir.resolve("mb"), false),
                service("rt", "driver", realTimePort, "/", dir.resolve("rt"), true)));
    Process app =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    try {
      awaitUntil(
          "the 4.1.3 JVM answers on both ports",
          Duration.ofMinutes(3),
          () -> {
            if (!app.isAlive()) {
              throw new AssertionError("the app exited:\n" + LocalToolkit.tail(log, 60));
            }
            return ok(URI.create("http://127.0.0.1:" + microBatchPort + "/"))
                && ok(URI.create("http://127.0.0.1:" + realTimePort + "/"));
          });
      report("plain " + version + " classpath JVM serving both triggers", start);
      for (int i = 0; i < 20; i++) {
        assertReply(URI.create("http://127.0.0.1:" + microBatchPort + "/"), "mb", "one " + i);
        assertReply(URI.create("http://127.0.0.1:" + realTimePort + "/"), "rt", "two " + i);
      }
      String output = Files.readString(log, StandardCharsets.ISO_8859_1);
      assertTrue(
          output.contains("Running Spark version " + version),
          "the JVM runs Spark " + version + ":\n" + LocalToolkit.tail(log, 40));
      assertTrue(output.contains("started service=rt"), LocalToolkit.tail(log, 40));
    } finally {
      app.destroy();
      if (!app.waitFor(30, TimeUnit.SECONDS)) {
        app.destroyForcibly();
        app.waitFor(10, TimeUnit.SECONDS);
      }
    }
    assertTrue(!app.isAlive(), "the 4.1.3 JVM is gone");
  }

  /**
   * A 4.1.3 standalone cluster (one start): head-node and per-executor behind HAProxy, each in
   * micro-batch and real-time, all in one application.
   */
  @Test
  @Order(2)
  void builtJarServesOnSpark41ClusterInBothModesAndTriggers() throws Exception {
    long start = System.nanoTime();
    cluster = LocalCluster.create("SparkLine41IT", version);
    cluster.startMaster();
    // Real-time readers hold a task slot each for the whole batch: one per executor (executor
    // mode) and one for the head-node service; three cores per Worker leave room for micro-batch.
    cluster.startWorkers(List.of(WORKERS), 3, "1g");
    report(version + " Master and Workers up", start);
    assertTrue(
        cluster.masterJson().contains("\"aliveworkers\" : 2")
            || cluster.masterJson().contains("\"aliveworkers\":2"),
        cluster.masterJson());
    int executorPort = FreePorts.onEvery(WORKERS);
    int headPort = FreePorts.on("127.0.0.1");
    int rtHeadPort = FreePorts.on("127.0.0.1");
    Path checkpoints = Files.createTempDirectory("sparkplug-it-41");
    SparkDriver driver =
        cluster.submit(
            "line41",
            "io.sparkplug.cluster.ServingApp",
            testsJar,
            List.of(connectorJar),
            Map.of(
                "spark.executor.memory", "512m",
                "spark.executor.cores", "3"),
            List.of(
                service("mbx", "executor", executorPort, "/mb", checkpoints.resolve("mbx"), false),
                service("rtx", "executor", executorPort, "/rt", checkpoints.resolve("rtx"), true),
                service("mbh", "driver", headPort, "/", checkpoints.resolve("mbh"), false),
                service("rth", "driver", rtHeadPort, "/", checkpoints.resolve("rth"), true)));
    for (String host : WORKERS) {
      driver.awaitListening(host, executorPort, Duration.ofMinutes(3));
    }
    driver.awaitListening("127.0.0.1", headPort, Duration.ofMinutes(1));
    driver.awaitListening("127.0.0.1", rtHeadPort, Duration.ofMinutes(1));
    URI balancer =
        cluster.startHaproxy(
            List.of(WORKERS[0] + ":" + executorPort, WORKERS[1] + ":" + executorPort));
    URI mbHead = URI.create("http://127.0.0.1:" + headPort + "/");
    URI rtHead = URI.create("http://127.0.0.1:" + rtHeadPort + "/");
    for (URI uri : List.of(balancer.resolve("/mb"), balancer.resolve("/rt"), mbHead, rtHead)) {
      awaitUntil(uri + " answers", Duration.ofMinutes(3), () -> ok(uri));
    }
    report("one " + version + " application serving four ways", start);
    assertTrue(driver.logContains("Running Spark version " + version), driver.logTail(40));

    for (String path : List.of("/mb", "/rt")) {
      String service = path.equals("/mb") ? "mbx" : "rtx";
      Set<String> servedBy = new HashSet<>();
      for (int i = 0; i < 30; i++) {
        servedBy.add(assertReply(balancer.resolve(path), service, "x " + i));
      }
      assertEquals(2, servedBy.size(), path + ": executors that answered " + servedBy);
    }
    for (int i = 0; i < 20; i++) {
      assertNotEquals("driver", assertReply(mbHead, "mbh", "h " + i));
      assertNotEquals("driver", assertReply(rtHead, "rth", "r " + i));
    }
    assertTrue(driver.isAlive(), driver.logTail(40));
    cluster.stopDriver(driver);
    report(version + " cluster test", start);
  }

  private static String service(
      String name, String mode, int port, String path, Path checkpoint, boolean realTime) {
    return "service="
        + name
        + ",mode="
        + mode
        + ",plan=echo,port="
        + port
        + ",path="
        + path
        + ",checkpoint="
        + checkpoint
        + ",requestTimeout="
        + REQUEST_TIMEOUT.toSeconds()
        + "s"
        + (realTime ? ",trigger=real-time" : "");
  }

  /** POSTs {@code body}; asserts 200 and the service's reply; returns {@code x-served-by}. */
  private static String assertReply(URI uri, String service, String body) throws Exception {
    HttpResponse<String> response = post(uri, body);
    assertEquals(200, response.statusCode(), uri + ": " + response.body());
    assertEquals(service + ": " + body.toUpperCase(java.util.Locale.ROOT), response.body());
    return response.headers().firstValue("x-served-by").orElse("?");
  }

  private static boolean ok(URI uri) {
    try {
      return post(uri, "warm").statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  private static HttpResponse<String> post(URI uri, String body) throws Exception {
    return ClusterTests.postAsync(uri, body, REQUEST_TIMEOUT.plusSeconds(5))
        .get(REQUEST_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
  }

  private static void awaitUntil(String what, Duration bound, BooleanSupplier condition)
      throws IOException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + bound + ": " + what);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
  }

  private static void report(String what, long since) {
    ClusterTests.report("SparkLine41IT", what, since);
  }
}
