package io.sparkplug.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster, HDFS and HAProxy as real local processes, for integration tests.
 *
 * <p>Every start and stop goes through the {@code docker/local/sparkplug-local} toolkit, which
 * records each PID in the state directory. This class keeps a {@link ProcessHandle} for each
 * process it saw (executors included), so that {@link #close()} can make sure, by PID, that none
 * outlives the test, and {@link #leftAlive(Duration)} can prove it.
 *
 * <p>Configuration comes from system properties set by the build: {@code sparkplug.toolkit} (the
 * script), {@code sparkplug.homes} (Spark and Hadoop homes), {@code spark.version} and {@code
 * sparkplug.it.state} (parent of the state directories).
 */
public final class LocalCluster implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

  private final LocalToolkit toolkit;

  /** Every process this cluster started or found under its Workers. */
  private final Set<ProcessHandle> seen = ConcurrentHashMap.newKeySet();

  private final Map<String, ProcessHandle> workers = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook;

  private LocalCluster(LocalToolkit toolkit) {
    this.toolkit = toolkit;
    // A test JVM stopped by Ctrl-C still takes its cluster down.
    this.shutdownHook = new Thread(this::close, "local-cluster-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * A cluster whose state (PIDs, logs, work and HDFS directories) lives in a fresh directory {@code
   * name} under {@code sparkplug.it.state}. What an earlier run left recorded there is stopped
   * first.
   */
  public static LocalCluster create(String name) {
    return create(name, System.getProperty("spark.version"));
  }

  /**
   * As {@link #create(String)}, on the Spark home of {@code sparkVersion} (built beforehand by
   * {@code sparkplug-local homes}): Master, Workers, executors and drivers all run that version.
   */
  public static LocalCluster create(String name, String sparkVersion) {
    Path root = Path.of(System.getProperty("sparkplug.it.state", "target/cluster-it"));
    Path script =
        Path.of(System.getProperty("sparkplug.toolkit", "../docker/local/sparkplug-local"));
    Map<String, String> environment = new LinkedHashMap<>();
    String homes = System.getProperty("sparkplug.homes");
    if (homes != null && !homes.isBlank()) {
      environment.put("SPARKPLUG_HOMES", homes);
    }
    if (sparkVersion != null && !sparkVersion.isBlank()) {
      environment.put("SPARKPLUG_SPARK_VERSION", sparkVersion);
    }
    Path state = root.resolve(name).toAbsolutePath();
    LocalToolkit toolkit = new LocalToolkit(script.toAbsolutePath(), state, environment);
    if (Files.isDirectory(state.resolve("run"))) {
      toolkit.run(START_TIMEOUT, "stop", "all");
    }
    deleteRecursively(state);
    return new LocalCluster(toolkit);
  }

  public Path stateDir() {
    return toolkit.state();
  }

  /** Starts the Master on 127.0.0.1 and returns its {@code spark://} URL. */
  public String startMaster() {
    Map<String, String> facts =
        toolkit.run(
            START_TIMEOUT,
            "master",
            "start",
            "--port",
            Integer.toString(FreePorts.on("127.0.0.1")),
            "--webui-port",
            Integer.toString(FreePorts.on("127.0.0.1")));
    track("master");
    return facts.get("url");
  }

  public String masterUrl() {
    return require(toolkit.facts("master"), "url", "master");
  }

  public URI masterWebUi() {
    return URI.create(require(toolkit.facts("master"), "webui", "master"));
  }

  /** The Master's {@code /json/} page: workers, applications and their cores. */
  public String masterJson() throws IOException, InterruptedException {
    return ClusterTests.getOk(masterWebUi().resolve("/json/"));
  }

  /**
   * Starts a Worker bound to {@code host} (a loopback address such as 127.0.0.2) with its own work
   * directory, and waits until it has registered with the Master.
   */
  public void startWorker(String host, int cores, String memory) {
    startWorker(host, cores, memory, null);
  }

  /**
   * As above; with a {@code cgroup} (a cgroup v2 directory, created if missing) the Worker starts
   * inside it, and so does every executor it forks: all their sockets carry that cgroup, which
   * {@code iptables -m cgroup --path} matches.
   */
  public void startWorker(String host, int cores, String memory, Path cgroup) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "worker",
                "start",
                host,
                "--cores",
                Integer.toString(cores),
                "--memory",
                memory,
                "--webui-port",
                Integer.toString(FreePorts.on(host))));
    if (cgroup != null) {
      args.addAll(List.of("--cgroup", cgroup.toString()));
    }
    toolkit.run(START_TIMEOUT, args.toArray(String[]::new));
    workers.put(host, track("worker-" + host));
  }

  /**
   * Starts one Worker on each of {@code hosts}, side by side (most of a start is waiting for a JVM
   * to come up), and returns when all have registered.
   */
  public void startWorkers(List<String> hosts, int cores, String memory)
      throws InterruptedException {
    startWorkers(hosts, cores, memory, Map.of());
  }

  /** As above, the Worker on each host of {@code cgroups} inside its cgroup (see startWorker). */
  public void startWorkers(List<String> hosts, int cores, String memory, Map<String, Path> cgroups)
      throws InterruptedException {
    ExecutorService starts = Executors.newFixedThreadPool(hosts.size());
    try {
      List<Future<?>> pending = new ArrayList<>();
      for (String host : hosts) {
        pending.add(starts.submit(() -> startWorker(host, cores, memory, cgroups.get(host))));
      }
      for (Future<?> start : pending) {
        start.get();
      }
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException cause
          ? cause
          : new IllegalStateException(e.getCause());
    } finally {
      starts.shutdownNow();
    }
  }

  /**
   * Starts the Workers as {@link #startWorkers} does and HDFS meanwhile (most of a start is waiting
   * for a JVM to come up); returns the file system URI once all are ready.
   */
  public String startWorkersAndHdfs(List<String> hosts, int cores, String memory)
      throws InterruptedException {
    return startWorkersAndHdfs(hosts, cores, memory, Map.of());
  }

  /** As above, the Worker on each host of {@code cgroups} inside its cgroup (see startWorker). */
  public String startWorkersAndHdfs(
      List<String> hosts, int cores, String memory, Map<String, Path> cgroups)
      throws InterruptedException {
    ExecutorService background = Executors.newSingleThreadExecutor();
    try {
      Future<String> hdfs = background.submit(this::startHdfs);
      startWorkers(hosts, cores, memory, cgroups);
      return hdfs.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException cause
          ? cause
          : new IllegalStateException(e.getCause());
    } finally {
      background.shutdownNow();
    }
  }

  /** Starts a NameNode and a DataNode and returns the file system URI, {@code hdfs://...}. */
  public String startHdfs() {
    Map<String, String> facts =
        toolkit.run(
            START_TIMEOUT,
            "hdfs",
            "start",
            "--port",
            Integer.toString(FreePorts.on("127.0.0.1")),
            "--http-port",
            Integer.toString(FreePorts.on("127.0.0.1")));
    track("namenode");
    track("datanode");
    return facts.get("uri");
  }

  /** Starts a one-node Kafka on 127.0.0.1 and returns its bootstrap address, {@code host:port}. */
  public String startKafka() {
    Map<String, String> facts =
        toolkit.run(
            START_TIMEOUT,
            "kafka",
            "start",
            "--port",
            Integer.toString(FreePorts.on("127.0.0.1")),
            "--controller-port",
            Integer.toString(FreePorts.on("127.0.0.1")));
    track("kafka");
    return facts.get("bootstrap");
  }

  public String hdfsUri() {
    return require(toolkit.facts("namenode"), "uri", "namenode");
  }

  /** The NameNode's HTTP address: JMX and WebHDFS. */
  public URI hdfsWebUri() {
    return URI.create(require(toolkit.facts("namenode"), "http", "namenode"));
  }

  /**
   * Kills the NameNode (SIGKILL, by its recorded PID), as a crash would, and starts it again on the
   * same ports and metadata; the DataNode keeps running and registers again. Returns once HDFS is
   * ready again (one live DataNode, safe mode off).
   */
  public void restartNameNode() {
    ProcessHandle nameNode =
        toolkit
            .recorded("namenode")
            .orElseThrow(() -> new IllegalStateException("no NameNode running"));
    URI rpc = URI.create(hdfsUri());
    URI http = hdfsWebUri();
    nameNode.destroyForcibly();
    if (!awaitExit(nameNode, Duration.ofSeconds(10))) {
      throw new IllegalStateException("the NameNode survived SIGKILL");
    }
    toolkit.run(
        START_TIMEOUT,
        "hdfs",
        "start",
        "--port",
        Integer.toString(rpc.getPort()),
        "--http-port",
        Integer.toString(http.getPort()));
    track("namenode");
  }

  public void stopHdfs() {
    toolkit.run(START_TIMEOUT, "hdfs", "stop");
  }

  /**
   * Starts HAProxy on 127.0.0.1 in front of {@code backends} ({@code host:port} each), health
   * checks on {@code /-/health}; returns its URI once a backend is up.
   */
  public URI startHaproxy(List<String> backends) {
    return startHaproxy(backends, Duration.ofSeconds(60));
  }

  /**
   * As above, with HAProxy's {@code timeout server}: how long a request may wait on a server that
   * accepted it and then answers nothing (frozen, cut off); a little above the requestTimeout.
   */
  public URI startHaproxy(List<String> backends, Duration serverTimeout) {
    List<String> args = new ArrayList<>();
    args.addAll(List.of("haproxy", "start"));
    args.addAll(List.of("--server-timeout", serverTimeout.toMillis() + "ms"));
    args.addAll(List.of("--port", Integer.toString(FreePorts.on("127.0.0.1"))));
    args.addAll(List.of("--stats-port", Integer.toString(FreePorts.on("127.0.0.1"))));
    args.addAll(backends);
    Map<String, String> facts = toolkit.run(START_TIMEOUT, args.toArray(String[]::new));
    track("haproxy");
    return URI.create(facts.get("url"));
  }

  /** HAProxy's statistics page ({@code ;csv} appended gives one line per server). */
  public URI haproxyStats() {
    return URI.create(require(toolkit.facts("haproxy"), "stats", "haproxy"));
  }

  public void stopHaproxy() {
    toolkit.run(START_TIMEOUT, "haproxy", "stop");
  }

  /**
   * Runs {@code spark-submit} in client mode against this cluster's Master. {@code conf} entries
   * become {@code --conf key=value}; system properties for the application's {@code main} go in
   * {@code spark.driver.extraJavaOptions}. Returns at once: wait for what the driver serves.
   */
  public SparkDriver submit(
      String name,
      String mainClass,
      Path appJar,
      List<Path> jars,
      Map<String, String> conf,
      List<String> args) {
    return submit(name, mainClass, appJar, jars, conf, Map.of(), args);
  }

  /**
   * As above, with {@code environment} added to the environment of {@code spark-submit}: in client
   * mode, the driver's environment, where applications such as the serving examples read their
   * settings.
   */
  public SparkDriver submit(
      String name,
      String mainClass,
      Path appJar,
      List<Path> jars,
      Map<String, String> conf,
      Map<String, String> environment,
      List<String> args) {
    List<String> command = new ArrayList<>(List.of("submit", "--name", name, "--"));
    command.addAll(List.of("--master", masterUrl(), "--class", mainClass));
    if (!jars.isEmpty()) {
      command.add("--jars");
      command.add(String.join(",", jars.stream().map(Path::toString).toList()));
    }
    conf.forEach(
        (key, value) -> {
          command.add("--conf");
          command.add(key + "=" + value);
        });
    command.add(appJar.toString());
    command.addAll(args);
    Map<String, String> facts =
        toolkit.run(START_TIMEOUT, environment, command.toArray(String[]::new));
    long pid = Long.parseLong(require(facts, "pid", "driver-" + name));
    var process = ProcessHandle.of(pid);
    process.ifPresent(seen::add);
    return new SparkDriver("driver-" + name, pid, process, Path.of(facts.get("log")));
  }

  /** Stops every submitted application's driver, by recorded PID. */
  public void stopDrivers() {
    toolkit.run(START_TIMEOUT, "stop", "drivers");
  }

  /** SIGKILLs a driver, as a crash would, and waits until it is gone. */
  public void killDriver(SparkDriver driver) {
    ProcessHandle process =
        ProcessHandle.of(driver.pid())
            .orElseThrow(() -> new IllegalStateException(driver.name() + " is not running"));
    process.destroyForcibly();
    if (!awaitExit(process, Duration.ofSeconds(10))) {
      throw new IllegalStateException(driver.name() + " survived SIGKILL");
    }
  }

  /** Stops one submitted application's driver by its recorded PID (its executors end with it). */
  public void stopDriver(SparkDriver driver) {
    toolkit.run(START_TIMEOUT, "stop", driver.name());
  }

  /** The executor JVMs running under the Worker on {@code host}: that Worker's child processes. */
  public List<ProcessHandle> executors(String workerHost) {
    ProcessHandle worker = workers.get(workerHost);
    if (worker == null) {
      throw new IllegalArgumentException("no Worker started on " + workerHost);
    }
    List<ProcessHandle> executors =
        worker
            .children()
            .filter(
                child ->
                    child
                        .info()
                        .commandLine()
                        .map(line -> line.contains("CoarseGrainedExecutorBackend"))
                        .orElse(true))
            .toList();
    seen.addAll(executors);
    return executors;
  }

  public List<Long> executorPids(String workerHost) {
    return executors(workerHost).stream().map(ProcessHandle::pid).toList();
  }

  /** SIGKILLs one executor of this cluster, as a crash would, and waits until it is gone. */
  public void killExecutor(long pid) {
    ProcessHandle executor =
        workers.keySet().stream()
            .flatMap(host -> executors(host).stream())
            .filter(handle -> handle.pid() == pid)
            .findFirst()
            .orElseThrow(
                () -> new IllegalArgumentException(pid + " is no executor of this cluster"));
    executor.destroyForcibly();
    if (!awaitExit(executor, Duration.ofSeconds(10))) {
      throw new IllegalStateException("executor " + pid + " survived SIGKILL");
    }
  }

  /**
   * Stops every component by its recorded PID (drivers first, then HAProxy, Workers with their
   * executors, the Master, HDFS), then SIGKILLs anything this cluster saw that is still alive.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // Executors nobody asked about are still ours: note them before their Workers go.
    for (ProcessHandle process : List.copyOf(seen)) {
      process.descendants().forEach(seen::add);
    }
    RuntimeException failure = null;
    try {
      toolkit.run(Duration.ofMinutes(4), "stop", "all");
    } catch (RuntimeException e) {
      failure = e;
    }
    for (ProcessHandle process : seen) {
      if (!awaitExit(process, Duration.ofSeconds(10))) {
        process.destroyForcibly();
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // close() is running in the hook itself
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** The processes this cluster saw that are still alive after waiting up to {@code grace}. */
  public List<ProcessHandle> leftAlive(Duration grace) {
    long deadline = System.nanoTime() + grace.toNanos();
    List<ProcessHandle> alive = new ArrayList<>();
    for (ProcessHandle process : seen) {
      long left = Math.max(0, deadline - System.nanoTime());
      if (!awaitExit(process, Duration.ofNanos(left))) {
        alive.add(process);
      }
    }
    return alive;
  }

  /** How many processes this cluster has seen so far. */
  public int processesSeen() {
    return seen.size();
  }

  private ProcessHandle track(String component) {
    ProcessHandle process =
        toolkit
            .recorded(component)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        component + " is not running; see " + toolkit.logFile(component)));
    seen.add(process);
    return process;
  }

  static boolean awaitExit(ProcessHandle process, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    // A process that just died stays visible until its parent (init) reaps it: poll, bounded.
    while (process.isAlive()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return !process.isAlive();
      }
    }
    return true;
  }

  private static String require(Map<String, String> facts, String key, String component) {
    String value = facts.get(key);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException("no " + key + " recorded for " + component);
    }
    return value;
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
