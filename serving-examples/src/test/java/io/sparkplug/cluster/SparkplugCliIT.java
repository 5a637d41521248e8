package io.sparkplug.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code docker/sparkplug} command-line tool end to end, without a container engine: {@code
 * new} scaffolds a project that passes its own build offline, {@code up --local} starts the stack
 * as local processes, {@code submit} runs the quote example in driver mode and the scaffolded
 * service in executor mode behind HAProxy, both answer HTTP, {@code status} reports them, and
 * {@code down} leaves no process alive. The clear errors (no Docker engine, a taken port, a missing
 * jar) and {@code --help} of every command are checked too.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkplugCliIT {
  private static final String APPLE = "{\"item\":\"apple\",\"quantity\":3}";
  private static final String APPLE_QUOTE =
      "{\"item\":\"apple\",\"quantity\":3,\"unitPrice\":0.5,\"total\":1.5}";
  private static final String[] COMMANDS = {
    "new", "up", "scale", "submit", "status", "logs", "down"
  };
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private static Path cli;
  private static Path state;
  private static Path work;
  private static long classStart;

  /** The scaffolded project's jar, once {@link #newProjectPassesItsOwnBuild()} built it. */
  private static Path scaffoldedJar;

  /** Ports of the local stack, all free when chosen. */
  private static final Map<String, Integer> PORTS = new LinkedHashMap<>();

  /** Every process the stack recorded while it ran, executors included. */
  private static final Set<ProcessHandle> SEEN = new HashSet<>();

  @BeforeAll
  // Bounded even when a blocking call ignores interrupts: the method runs in its own thread.
  @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  static void locate() throws IOException {
    classStart = System.nanoTime();
    Path toolkit =
        Path.of(System.getProperty("sparkplug.toolkit", "../docker/local/sparkplug-local"));
    cli = toolkit.toAbsolutePath().getParent().getParent().resolve("sparkplug");
    assertTrue(Files.isExecutable(cli), "no executable CLI at " + cli);
    Path root = Path.of(System.getProperty("sparkplug.it.state", "target/cluster-it"));
    // Under the build's cluster-it folder, so the cluster-sweep step stops what a killed test
    // JVM left behind.
    state = root.resolve("SparkplugCliIT").toAbsolutePath();
    work = root.resolve("SparkplugCliIT-work").toAbsolutePath();
    if (Files.isDirectory(state.resolve("run"))) {
      run(Duration.ofMinutes(3), "down", "--local");
    }
    deleteRecursively(state);
    deleteRecursively(work);
    Files.createDirectories(work);
    for (String port :
        List.of("master", "masterUi", "hdfs", "hdfsHttp", "workerUi", "quotes", "control1")) {
      PORTS.put(port, FreePorts.on("127.0.0.1"));
    }
    for (String port : List.of("control2", "lb", "lbStats")) {
      PORTS.put(port, FreePorts.on("127.0.0.1"));
    }
    // The executors' range is ten ports: reserved as a block, or a Worker's UI could sit in it
    // (HAProxy then sent a request to that UI before its first health check).
    PORTS.put("executors", FreePorts.range("127.0.0.1", 10));
  }

  @AfterAll
  @Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  static void stopEverything() {
    try {
      if (Files.isDirectory(state.resolve("run"))) {
        run(Duration.ofMinutes(4), "down", "--local");
      }
    } finally {
      for (ProcessHandle process : SEEN) {
        if (!LocalCluster.awaitExit(process, Duration.ofSeconds(10))) {
          process.destroyForcibly();
        }
      }
      report("whole class", classStart);
    }
  }

  @Test
  @Order(1)
  @Timeout(60)
  void everyCommandHasHelp() {
    Result top = run(Duration.ofSeconds(20), "--help");
    assertEquals(0, top.exit(), top.output());
    for (String command : COMMANDS) {
      Result help = run(Duration.ofSeconds(20), command, "--help");
      assertEquals(0, help.exit(), command + " --help: " + help.output());
      assertTrue(help.stdout().startsWith("Usage: sparkplug"), command + ": " + help.stdout());
      Result local = run(Duration.ofSeconds(20), command, "--local", "--help");
      assertEquals(0, local.exit(), command + " --local --help: " + local.output());
    }
    Result unknown = run(Duration.ofSeconds(20), "launch");
    assertEquals(1, unknown.exit());
    assertTrue(unknown.stderr().contains("unknown command 'launch'"), unknown.stderr());
  }

  @Test
  @Order(2)
  @Timeout(60)
  void withoutADockerEngineTheErrorSaysSoAndPointsToLocal() throws Exception {
    Assumptions.assumeFalse(dockerEngineRuns(), "a Docker engine runs here");
    Result up = run(Duration.ofSeconds(30), "up");
    assertEquals(1, up.exit(), up.output());
    assertTrue(
        up.stderr().contains("no Docker engine is running")
            || up.stderr().contains("docker is not installed"),
        up.stderr());
    assertTrue(up.stderr().contains("sparkplug up --local"), up.stderr());
  }

  @Test
  @Order(3)
  @Timeout(60)
  void aTakenPortIsAClearErrorBeforeAnythingStarts() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      Result up =
          run(
              Duration.ofSeconds(30),
              "up",
              "--local",
              "--master-port",
              Integer.toString(taken.getLocalPort()));
      assertEquals(1, up.exit(), up.output());
      assertTrue(
          up.stderr()
              .contains("port " + taken.getLocalPort() + " on 127.0.0.1 (Spark Master) is already"),
          up.stderr());
      assertTrue(up.stderr().contains("--master-port"), up.stderr());
    }
    assertTrue(
        !Files.isDirectory(state.resolve("run")) || recordedPids().isEmpty(),
        "something started despite the taken port");
  }

  @Test
  @Order(4)
  @Timeout(60)
  void submitWithoutACluster_orAJar_isAClearError() {
    Result missingJar =
        run(Duration.ofSeconds(30), "submit", "--local", work.resolve("nope.jar").toString());
    assertEquals(1, missingJar.exit(), missingJar.output());
    assertTrue(missingJar.stderr().contains("missing jar"), missingJar.stderr());

    Result noCluster =
        run(
            Duration.ofSeconds(30),
            "submit",
            "--local",
            ClusterTests.requiredFile("sparkplug.examples.jar").toString(),
            "--class",
            "io.sparkplug.examples.QuoteService");
    assertEquals(1, noCluster.exit(), noCluster.output());
    assertTrue(noCluster.stderr().contains("sparkplug up --local"), noCluster.stderr());
  }

  @Test
  @Order(5)
  @Timeout(600)
  void newProjectPassesItsOwnBuild() throws Exception {
    scaffoldedJar = buildScaffoldedProject();
  }

  /**
   * {@code new} then an offline {@code mvn verify} of the generated project, asserting both; the
   * jar it built. Test 6 calls it too when test 5 did not run first, so neither depends on order.
   */
  private static Path buildScaffoldedProject() throws Exception {
    long start = System.nanoTime();
    Path project = work.resolve("greeter");
    Result created = run(Duration.ofMinutes(5), "new", "greeter", "--dir", project.toString());
    assertEquals(0, created.exit(), created.output());
    for (String file :
        List.of(
            "pom.xml",
            "README.md",
            "src/main/java/com/example/greeter/GreeterService.java",
            "src/test/java/com/example/greeter/GreeterServiceTest.java")) {
      assertTrue(Files.isRegularFile(project.resolve(file)), "generated " + file);
    }
    assertTrue(
        Files.readString(project.resolve("src/main/java/com/example/greeter/GreeterService.java"))
            .contains("format(\"sparkplug-http\")"));

    // Offline, as generated: every dependency and plugin must already be local.
    List<String> mvn = new ArrayList<>(List.of("mvn", "-B", "-o", "-q", "verify"));
    String repo = System.getProperty("sparkplug.maven.repo", "");
    if (!repo.isBlank()) {
      mvn.add("-Dmaven.repo.local=" + repo);
    }
    Result build = exec(Duration.ofMinutes(8), project, mvn, Map.of());
    assertEquals(0, build.exit(), "mvn -o verify of the generated project:\n" + build.output());
    Path jar = project.resolve("target/greeter-0.1.0-SNAPSHOT.jar");
    assertTrue(Files.isRegularFile(jar), "no " + jar);
    assertTrue(
        Files.isRegularFile(
            project.resolve(
                "target/surefire-reports/TEST-com.example.greeter.GreeterServiceTest.xml")),
        "the generated test did not run");
    report("new + mvn -o verify of the generated project", start);
    return jar;
  }

  @Test
  @Order(6)
  @Timeout(900)
  void localStackServesTheQuoteExampleAndTheScaffoldedServiceThenStopsCleanly() throws Exception {
    if (scaffoldedJar == null) {
      // Run alone (or after a failed test 5): build the service this test submits itself.
      scaffoldedJar = buildScaffoldedProject();
    }
    long start = System.nanoTime();
    Result up =
        run(
            Duration.ofMinutes(5),
            "up",
            "--local",
            "--workers",
            "2",
            "--master-port",
            port("master"),
            "--master-ui-port",
            port("masterUi"),
            "--hdfs-port",
            port("hdfs"),
            "--hdfs-http-port",
            port("hdfsHttp"),
            "--worker-ui-port",
            port("workerUi"));
    assertEquals(0, up.exit(), up.output());
    // Two cores a Worker by default, as a user gets them: the scaffolded service's two sources
    // each hold a real-time reader on its executor, and an executor takes its Worker's cores.
    report("up --local (Master, 2 Workers, NameNode, DataNode)", start);
    remember();

    // Driver mode: the quote example, one Worker's cores so that the next application gets the
    // other Worker.
    long submitted = System.nanoTime();
    Result quotes =
        run(
            Duration.ofMinutes(6),
            "submit",
            "--local",
            ClusterTests.requiredFile("sparkplug.examples.jar").toString(),
            "--class",
            "io.sparkplug.examples.QuoteService",
            "--name",
            "quotes",
            "--port",
            port("quotes"),
            "--control-port",
            port("control1"),
            "--cores-max",
            "2");
    assertEquals(0, quotes.exit(), quotes.output());
    assertTrue(quotes.stdout().contains("url=http://127.0.0.1:" + port("quotes")), quotes.output());
    report("submit of QuoteService until it serves, warmed up", submitted);
    remember();
    // submit calls a driver-mode service up only once its real-time warm-up is over, too.
    HttpResponse<String> health = get("http://127.0.0.1:" + port("quotes") + "/-/health");
    assertEquals(200, health.statusCode(), health.body());
    assertTrue(health.body().contains("\"warmUpBatchesLeft\":0"), health.body());
    HttpResponse<String> quote = post("http://127.0.0.1:" + port("quotes") + "/quote", APPLE);
    assertEquals(200, quote.statusCode(), quote.body());
    assertEquals(APPLE_QUOTE, quote.body());
    report("submit of QuoteService until its first quote", submitted);

    // Executor mode: the scaffolded service, one server per executor behind HAProxy.
    {
      long executorSubmit = System.nanoTime();
      String range = port("executors") + "-" + (PORTS.get("executors") + 9);
      Result greeter =
          run(
              Duration.ofMinutes(6),
              "submit",
              "--local",
              scaffoldedJar.toString(),
              "--mode",
              "executor",
              "--name",
              "greeter",
              "--port",
              range,
              "--control-port",
              port("control2"),
              "--lb-port",
              port("lb"),
              "--lb-stats-port",
              port("lbStats"),
              "--cores-max",
              "2");
      assertEquals(0, greeter.exit(), greeter.output());
      report(
          "submit of the scaffolded service in executor mode until HAProxy serves", executorSubmit);
      remember();
      // submit calls the service up only once its real-time warm-up is over.
      HttpResponse<String> directory = get("http://127.0.0.1:" + port("control2") + "/-/servers");
      assertEquals(200, directory.statusCode(), directory.body());
      assertTrue(directory.body().contains("\"warmUpBatchesLeft\":0"), directory.body());
      String lb = "http://127.0.0.1:" + port("lb");
      HttpResponse<String> greeting = postJson(lb + "/hello", "{\"name\":\"Ada\"}");
      assertEquals(200, greeting.statusCode(), greeting.body());
      assertEquals("{\"greeting\":\"Hello, Ada!\"}", greeting.body());
      HttpResponse<String> named = get(lb + "/hello/Grace");
      assertEquals(200, named.statusCode(), named.body());
      assertEquals("{\"greeting\":\"Hello, Grace!\"}", named.body());
      // The typed source refuses a body without a name itself, through HAProxy too.
      HttpResponse<String> invalid = postJson(lb + "/hello", "{}");
      assertEquals(400, invalid.statusCode(), invalid.body());
      assertEquals(
          "application/problem+json", invalid.headers().firstValue("content-type").orElse(""));
      assertTrue(invalid.body().contains("\"pointer\":\"/name\""), invalid.body());
    }

    Result status = run(Duration.ofSeconds(60), "status", "--local");
    assertEquals(0, status.exit(), status.output());
    String report = status.stdout();
    assertTrue(report.contains("status=ALIVE"), report);
    assertTrue(report.contains("workers    alive=2"), report);
    assertTrue(report.contains("live DataNodes=1"), report);
    assertTrue(
        report.contains(
            "application quotes (driver mode)  service http://127.0.0.1:"
                + port("quotes")
                + "  health=200"),
        report);
    {
      assertTrue(
          report.contains(
              "application greeter (executor mode)  service http://127.0.0.1:"
                  + port("lb")
                  + "  health=200"),
          report);
      // The executor server, listed by the driver's directory, on a Worker's own address.
      assertTrue(report.contains(":" + port("executors") + "  serving"), report);
    }

    Result logs = run(Duration.ofSeconds(30), "logs", "--local", "quotes", "--lines", "5");
    assertEquals(0, logs.exit(), logs.output());

    remember();
    long down = System.nanoTime();
    Result stopped = run(Duration.ofMinutes(4), "down", "--local");
    assertEquals(0, stopped.exit(), stopped.output());
    report("down --local", down);
    List<String> alive = new ArrayList<>();
    for (ProcessHandle process : SEEN) {
      if (!LocalCluster.awaitExit(process, Duration.ofSeconds(15))) {
        alive.add(process.pid() + " " + process.info().commandLine().orElse("?"));
      }
    }
    assertEquals(List.of(), alive, "processes left alive after sparkplug down --local");
    assertTrue(recordedPids().isEmpty(), "PID records left after down");
    System.out.printf("SparkplugCliIT: %d processes started and stopped%n", SEEN.size());
  }

  /** Notes every recorded process of the stack and its descendants (executors under Workers). */
  private static void remember() {
    for (long pid : recordedPids()) {
      ProcessHandle.of(pid)
          .ifPresent(
              process -> {
                SEEN.add(process);
                process.descendants().forEach(SEEN::add);
              });
    }
  }

  private static List<Long> recordedPids() {
    Path run = state.resolve("run");
    if (!Files.isDirectory(run)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(run)) {
      List<Long> pids = new ArrayList<>();
      for (Path file : files.filter(f -> f.toString().endsWith(".pid")).toList()) {
        pids.add(Long.parseLong(Files.readString(file).trim().split("\\s+")[0]));
      }
      return pids;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String port(String name) {
    return Integer.toString(PORTS.get(name));
  }

  private static HttpResponse<String> post(String uri, String body) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create(uri))
            // First micro-batches on a cluster take seconds; the service answers 504 at 30 s.
            .timeout(Duration.ofSeconds(90))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> postJson(String uri, String json) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create(uri))
            .timeout(Duration.ofSeconds(90))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String uri) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(90)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static boolean dockerEngineRuns() throws Exception {
    Result info = exec(Duration.ofSeconds(20), work, List.of("sh", "-c", "docker info"), Map.of());
    return info.exit() == 0;
  }

  private record Result(int exit, String stdout, String stderr) {
    String output() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  /** Runs the CLI against this test's state directory, bounded by {@code timeout}. */
  private static Result run(Duration timeout, String... args) {
    List<String> command = new ArrayList<>();
    command.add(cli.toString());
    command.addAll(List.of(args));
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("SPARKPLUG_STATE", state.toString());
    environment.put("SPARKPLUG_STOP_GRACE", "20");
    String homes = System.getProperty("sparkplug.homes");
    if (homes != null && !homes.isBlank()) {
      environment.put("SPARKPLUG_HOMES", homes);
    }
    String sparkVersion = System.getProperty("spark.version");
    if (sparkVersion != null && !sparkVersion.isBlank()) {
      environment.put("SPARKPLUG_SPARK_VERSION", sparkVersion);
    }
    String repo = System.getProperty("sparkplug.maven.repo", "");
    if (!repo.isBlank()) {
      environment.put("SPARKPLUG_MVN_ARGS", "-Dmaven.repo.local=" + repo);
    }
    try {
      return exec(timeout, work, command, environment);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int calls;

  private static Result exec(
      Duration timeout, Path dir, List<String> command, Map<String, String> environment)
      throws IOException, InterruptedException {
    Path logs = work.resolve("calls");
    Files.createDirectories(logs);
    String label = String.format("%03d", ++calls);
    Path out = logs.resolve(label + ".out");
    Path err = logs.resolve(label + ".err");
    Files.writeString(logs.resolve(label + ".cmd"), String.join(" ", command));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().putAll(environment);
    Process process = builder.start();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      // The CLI only waits; what it started is recorded and stopped by `down` in @AfterAll.
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      throw new AssertionError(
          String.join(" ", command)
              + " overran "
              + timeout
              + "\n"
              + LocalToolkit.tail(err)
              + "\n"
              + LocalToolkit.tail(out));
    }
    Result result =
        new Result(
            process.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    assertNotEquals(126, result.exit(), "not executable: " + command.get(0));
    return result;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  private static void report(String what, long since) {
    System.out.printf("SparkplugCliIT: %s in %.1f s%n", what, (System.nanoTime() - since) / 1e9);
  }
}
