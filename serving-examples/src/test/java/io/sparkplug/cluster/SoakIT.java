package io.sparkplug.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkplug.cluster.SoakProbes.Heap;
import io.sparkplug.cluster.SoakTraffic.Kind;
import io.sparkplug.cluster.SoakTraffic.Limits;
import io.sparkplug.cluster.SoakTraffic.Outcome;
import io.sparkplug.cluster.SoakTraffic.Target;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bounded soak of per-executor serving on a real standalone cluster: a Master and two Workers
 * (one core, 1 GB each) on 127.0.0.2 and 127.0.0.3, checkpoints on a real HDFS, {@link SoakApp}
 * submitted in {@code mode=executor}, HAProxy in front of both executor servers. For {@code
 * soak.seconds} (default 60) it sends mixed traffic at a steady rate ({@code soak.rate} arrivals
 * per second, default 60, open loop; see {@link SoakTraffic}): valid POSTs, malformed request
 * lines, slow clients, oversized bodies and pipelined requests, most through HAProxy, some straight
 * to the executors.
 *
 * <p>It asserts that every request got exactly one outcome and the one it should; that none waited
 * past its own timeout plus {@link #MARGIN}; that requests pending in the servers stay under a
 * bound and return to 0; and that heap (after a full GC) and open file descriptors of the executor
 * and driver JVMs stay under bounds and do not grow. The figures go to {@code
 * target/soak-summary.json} and {@code .md}, which {@code benchmarks/soak.sh} copies into {@code
 * benchmarks/RESULTS.md}.
 */
class SoakIT {
  private static final String[] WORKERS = {"127.0.0.2", "127.0.0.3"};
  private static final String SERVICE = "soak";
  private static final String PATH = "/echo";
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

  /** HAProxy's {@code timeout http-request} in the toolkit's configuration. */
  private static final Duration BALANCER_HEADER_TIMEOUT = Duration.ofSeconds(10);

  private static final long MAX_BODY_BYTES = 1024 * 1024;

  /**
   * Added to each request's own timeout before it counts as waiting too long: scheduling on two
   * shared cores (other builds run beside this one) and a full GC of a busy JVM.
   */
  private static final Duration MARGIN = Duration.ofSeconds(5);

  /**
   * Live heap (after a full GC) of an executor, which runs with 512 MB: at most half of it, so that
   * collections stay cheap. An echo executor holds about 40 MB.
   */
  private static final long EXECUTOR_HEAP_BOUND_MB = 256;

  /** Live heap of the driver (1 GB), half of it; Spark's records are capped by retention below. */
  private static final long DRIVER_HEAP_BOUND_MB = 512;

  /**
   * Live heap may grow this much from the start of the load to its end. A pending entry or a
   * connection leaked per request would take more over the thousands of requests of a run.
   */
  private static final long HEAP_GROWTH_BOUND_MB = 32;

  /** Open descriptors may be this many above the start once the load is over: no leak. */
  private static final long FD_GROWTH_BOUND = 40;

  /**
   * Open descriptors during the load, above the start: the load's own connections (at most about
   * rate x the longest exchange) plus HAProxy's per-request server connections.
   */
  private static final long FD_LOAD_BOUND = 600;

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private static long classStart;
  private static LocalCluster cluster;
  private static SparkDriver driver;
  private static int port;
  private static int controlPort;
  private static URI balancer;

  @BeforeAll
  // Bounded even when a blocking call ignores interrupts: the method runs in its own thread.
  @Timeout(value = 900, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  static void startClusterAndSubmit() throws Exception {
    classStart = System.nanoTime();
    Path connectorJar = ClusterTests.requiredFile("sparkplug.connector.jar");
    Path testsJar = ClusterTests.requiredFile("sparkplug.tests.jar");
    cluster = LocalCluster.create("SoakIT");
    cluster.startMaster();
    String hdfs = cluster.startWorkersAndHdfs(List.of(WORKERS), 1, "1g");
    ClusterTests.report("SoakIT", "cluster up (Master, 2 Workers, NameNode, DataNode)", classStart);

    port = FreePorts.onEvery(WORKERS);
    controlPort = FreePorts.on("127.0.0.1");
    long submitted = System.nanoTime();
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.executor.memory", "512m");
    conf.put("spark.driver.memory", "1g");
    conf.put("spark.hadoop.dfs.replication", "1");
    conf.put("spark.sql.shuffle.partitions", "2");
    conf.put("spark.excludeOnFailure.enabled", "false");
    // A long-running streaming driver keeps UI records of its last N batches, jobs and stages;
    // production settings keep N small, so that the heap measured is the connector's.
    conf.put("spark.ui.enabled", "false");
    conf.put("spark.sql.ui.retainedExecutions", "50");
    conf.put("spark.ui.retainedJobs", "100");
    conf.put("spark.ui.retainedStages", "100");
    String service =
        String.join(
            ",",
            "service=" + SERVICE,
            "checkpoint=" + hdfs + "/checkpoints/soak",
            "mode=executor",
            "port=" + port,
            "path=" + PATH,
            "controlPort=" + controlPort,
            "requestTimeout=" + REQUEST_TIMEOUT.toSeconds() + "s",
            "readTimeout=" + READ_TIMEOUT.toSeconds() + "s",
            "maxBodyBytes=" + MAX_BODY_BYTES);
    driver =
        cluster.submit(
            "soak",
            "io.sparkplug.cluster.SoakApp",
            testsJar,
            List.of(connectorJar),
            conf,
            List.of(service));
    for (String host : WORKERS) {
      driver.awaitListening(host, port, Duration.ofMinutes(4));
    }
    Awaitility.await("both executor servers serving in the driver's directory")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(() -> SoakProbes.serving(directory()) == 2);
    ClusterTests.report("SoakIT", "both executor servers serving after spark-submit", submitted);
    balancer = cluster.startHaproxy(List.of(WORKERS[0] + ":" + port, WORKERS[1] + ":" + port));
  }

  @AfterAll
  @Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  static void stopCluster() {
    ClusterTests.closeAndAssertNothingLeft(cluster);
    ClusterTests.report("SoakIT", "whole class", classStart);
  }

  @Test
  void mixedTrafficAtASteadyRateLeavesNothingBehind() throws Exception {
    long seconds = Long.getLong("soak.seconds", 60);
    double rate = Double.parseDouble(System.getProperty("soak.rate", "60"));
    long warmup = Math.max(10, Math.min(30, seconds / 4));
    // Every wait below is bounded; this is the backstop for the whole test.
    assertTimeoutPreemptively(
        Duration.ofSeconds(seconds + warmup + 480), () -> soak(seconds, rate, warmup));
  }

  private void soak(long seconds, double rate, long warmup) throws Exception {
    Limits limits =
        new Limits(
            SERVICE,
            PATH,
            REQUEST_TIMEOUT,
            READ_TIMEOUT,
            BALANCER_HEADER_TIMEOUT,
            MAX_BODY_BYTES,
            MARGIN);
    Target viaBalancer = new Target(balancer.getHost(), balancer.getPort(), false);
    List<Target> executors =
        List.of(new Target(WORKERS[0], port, true), new Target(WORKERS[1], port, true));

    // Readiness, not a retried first request: a finished batch in the driver's log (Spark's
    // "Streaming query made progress", INFO) and health 200 on both executors and through HAProxy;
    // then the first request on each route is asserted once. First batches and JIT are then left
    // to the warm-up below, which is not part of the soak.
    Awaitility.await("a first progress of the soak query")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              if (!driver.isAlive()) {
                throw new AssertionError("the soak driver exited:\n" + driver.logTail(60));
              }
              return driver.logContains("Streaming query made progress");
            });
    URI[] routes = {
      balancer,
      URI.create("http://" + WORKERS[0] + ":" + port),
      URI.create("http://" + WORKERS[1] + ":" + port)
    };
    for (URI route : routes) {
      ClusterTests.awaitHealthy(route, Duration.ofMinutes(1));
    }
    // The first request on each route is asserted once, not retried: with requestTimeout=5s a
    // cold first batch on a busy machine may answer 504 (seen at a load average of 13), so it must
    // get its echo or that 504 within its timeout, nothing else and no hang. The warm-up below
    // (not judged) then absorbs first batches and JIT; the soak after it judges every request.
    for (URI route : routes) {
      HttpResponse<String> first =
          CLIENT.send(
              HttpRequest.newBuilder(route.resolve(PATH))
                  .timeout(REQUEST_TIMEOUT.plus(MARGIN))
                  .POST(HttpRequest.BodyPublishers.ofString("ready?"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertTrue(
          (first.statusCode() == 200 && first.body().equals(SERVICE + ": READY?"))
              || first.statusCode() == 504,
          "the first request on " + route + ": " + first.statusCode() + " " + first.body());
      System.out.println("SoakIT: first request on " + route + ": " + first.statusCode());
    }
    try (SoakTraffic warm = new SoakTraffic(limits, viaBalancer, executors)) {
      warm.run(Duration.ofSeconds(warmup), rate);
      System.out.println("SoakIT: warm-up " + warmup + " s: " + warm.table());
    }
    // The baseline below takes seconds (a full GC of three JVMs through jcmd) while both servers
    // sit idle. The first soak runs found that a server idle for over 10 s reported itself
    // unhealthy when requests came back, leaving HAProxy briefly without a server (503); the
    // connector now times a stalled read from when the backlog filled, and this load checks it.
    List<Watched> watched = new ArrayList<>();
    Monitor monitor = new Monitor(watched);
    SoakTraffic traffic = new SoakTraffic(limits, viaBalancer, executors);
    Instant started;
    long soakStart;
    long soakEnd;
    try {
      measureBaseline(watched);
      monitor.start();
      started = Instant.now();
      soakStart = System.nanoTime();
      traffic.run(Duration.ofSeconds(seconds), rate);
      soakEnd = System.nanoTime();
      traffic.closeConnections();
      // Nothing is owed once every client has its outcome: pending must drain to 0.
      awaitNoPending(REQUEST_TIMEOUT.plus(Duration.ofSeconds(30)));
    } finally {
      monitor.stop();
      traffic.close();
    }
    for (Watched process : watched) {
      process.fdEnd = settledFds(process, Duration.ofSeconds(30));
      if (process.isJvm()) {
        process.heapEnd = SoakProbes.heap(process.pid, true);
      }
    }
    boolean sameExecutors = true;
    for (int i = 0; i < WORKERS.length; i++) {
      sameExecutors &= cluster.executorPids(WORKERS[i]).equals(List.of(watched.get(i).pid));
    }

    // ---- figures ----
    List<Outcome> outcomes = new ArrayList<>(traffic.outcomes());
    List<Outcome> unexpected =
        outcomes.stream().filter(o -> !SoakTraffic.expected(o.kind(), o.result())).toList();
    List<Outcome> late = outcomes.stream().filter(o -> o.tookMs() > o.boundMs()).toList();
    long connErrors = outcomes.stream().filter(o -> o.result().equals("conn-error")).count();
    List<Long> validMs =
        outcomes.stream()
            .filter(o -> o.kind() == Kind.VALID || o.kind() == Kind.PIPELINED)
            .map(Outcome::tookMs)
            .toList();
    long validCount = validMs.size();
    double actualSeconds = (soakEnd - soakStart) / 1e9;
    // Pending can reach this only if every valid request waited out its whole timeout; a server
    // that answers holds about rate x latency, and a leak grows past it over a long run.
    long pendingBound = (long) Math.ceil(validCount / actualSeconds * REQUEST_TIMEOUT.toSeconds());

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("date", started.toString());
    summary.put("seconds", seconds);
    summary.put("warmupSeconds", warmup);
    summary.put("ratePerSecond", rate);
    summary.put("exchanges", traffic.exchanges());
    summary.put("requests", outcomes.size());
    summary.put("validRequests", validCount);
    summary.put("table", traffic.table());
    summary.put("unexpected", unexpected.size());
    summary.put("late", late.size());
    summary.put("connectionErrors", connErrors);
    summary.put("missing", traffic.missing().size());
    summary.put("duplicates", traffic.duplicates().size());
    summary.put("protocolErrors", traffic.protocolErrors().size());
    summary.put("servedBy", traffic.servedBy());
    summary.put("validP50Ms", SoakProbes.percentile(validMs, 50));
    summary.put("validP99Ms", SoakProbes.percentile(validMs, 99));
    summary.put("validMaxMs", SoakProbes.percentile(validMs, 100));
    summary.put("maxScheduleLagMs", traffic.maxLagMs());
    summary.put("maxConcurrentExchanges", traffic.maxConcurrent());
    summary.put("pendingMaxDirectory", monitor.directoryPendingMax.get());
    summary.put("pendingMaxMetrics", monitor.metricsPendingMax.get());
    summary.put("pendingBound", pendingBound);
    summary.put("pendingSamples", monitor.samples.get());
    summary.put("monitorErrors", monitor.errors.stream().limit(10).toList());
    Map<String, Object> processes = new LinkedHashMap<>();
    for (Watched process : watched) {
      processes.put(process.name, process.figures());
    }
    summary.put("processes", processes);
    summary.put(
        "bounds",
        Map.of(
            "marginMs", MARGIN.toMillis(),
            "executorHeapMb", EXECUTOR_HEAP_BOUND_MB,
            "driverHeapMb", DRIVER_HEAP_BOUND_MB,
            "heapGrowthMb", HEAP_GROWTH_BOUND_MB,
            "fdGrowth", FD_GROWTH_BOUND,
            "fdLoad", FD_LOAD_BOUND));
    writeSummary(summary, watched, monitor);

    // ---- assertions ----
    assertEquals(List.of(), traffic.missing(), "requests without an outcome");
    assertEquals(List.of(), traffic.duplicates(), "requests with two outcomes");
    // On the wire, not in the generator's bookkeeping: no request's echo came back twice, and
    // each request judged answered had exactly one response naming it.
    assertEquals(
        List.of(),
        traffic.wireDuplicates().stream().limit(20).toList(),
        "requests answered twice on the wire");
    assertEquals(
        List.of(),
        traffic.answeredButNotOnceOnTheWire().stream().limit(20).toList(),
        "answered requests without exactly one response on the wire");
    assertEquals(0, traffic.inFlight(), "exchanges still running after every deadline");
    assertEquals(List.of(), sample(unexpected), unexpected.size() + " unexpected outcomes");
    assertEquals(List.of(), sample(late), late.size() + " requests waited past timeout + margin");
    assertEquals(List.of(), traffic.protocolErrors(), "bytes no request asked for");
    assertEquals(0, connErrors, "connection errors on a steady cluster");
    assertEquals(2, traffic.servedBy().size(), "executors that answered: " + traffic.servedBy());
    assertTrue(validCount > seconds * rate / 2, "valid requests sent: " + validCount);
    assertTrue(
        monitor.samples.get() >= seconds / 2,
        "pending sampled " + monitor.samples.get() + " times; errors: " + monitor.errors);
    assertTrue(
        monitor.directoryPendingMax.get() <= pendingBound
            && monitor.metricsPendingMax.get() <= pendingBound,
        "pending above " + pendingBound + ": " + summary);
    for (Watched process : watched) {
      assertTrue(
          process.fdEnd - process.fdStart < FD_GROWTH_BOUND,
          process.name + " open descriptors grew: " + process.figures());
      assertTrue(
          process.fdMax - process.fdStart < FD_LOAD_BOUND,
          process.name + " open descriptors under load: " + process.figures());
      if (process.isJvm()) {
        assertTrue(
            process.heapEnd.usedMb() < process.heapBoundMb,
            process.name + " heap after GC: " + process.figures());
        assertTrue(
            process.heapEnd.usedMb() - process.heapStart.usedMb() < HEAP_GROWTH_BOUND_MB,
            process.name + " heap grew: " + process.figures());
      }
    }
    assertTrue(sameExecutors, "an executor JVM was replaced during the soak");
    assertTrue(driver.isAlive(), "the driver died:\n" + driver.logTail(40));
  }

  // ---- what is watched ----

  /** One process whose descriptors (and, for a JVM, heap) are measured. */
  private static final class Watched {
    final String name;
    final long pid;
    final long heapBoundMb;
    volatile long fdStart;
    volatile long fdMax;
    volatile long fdEnd;
    volatile Heap heapStart;
    volatile Heap heapEnd;
    final AtomicLong heapMaxSampledMb = new AtomicLong();

    Watched(String name, long pid, long heapBoundMb) {
      this.name = name;
      this.pid = pid;
      this.heapBoundMb = heapBoundMb;
    }

    boolean isJvm() {
      return heapBoundMb > 0;
    }

    Map<String, Object> figures() {
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("pid", pid);
      figures.put("fdStart", fdStart);
      figures.put("fdMax", fdMax);
      figures.put("fdEnd", fdEnd);
      if (isJvm()) {
        figures.put("heapCommittedMb", heapEnd == null ? 0 : heapEnd.committedMb());
        figures.put("heapAfterGcStartMb", heapStart == null ? 0 : heapStart.usedMb());
        figures.put("heapAfterGcEndMb", heapEnd == null ? 0 : heapEnd.usedMb());
        figures.put("heapMaxSampledMb", heapMaxSampledMb.get());
        figures.put("heapBoundMb", heapBoundMb);
      }
      return figures;
    }
  }

  /**
   * Samples pending requests (the driver's directory and every server's metrics) and descriptors
   * once a second, and heap in use (no forced GC) every 15 s, for the whole load.
   */
  private static final class Monitor {
    final List<Watched> watched;
    final AtomicLong directoryPendingMax = new AtomicLong();
    final AtomicLong metricsPendingMax = new AtomicLong();
    final AtomicLong samples = new AtomicLong();
    final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> series = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
    private long start;

    Monitor(List<Watched> watched) {
      this.watched = watched;
    }

    void start() {
      start = System.nanoTime();
      timer.scheduleWithFixedDelay(this::sample, 0, 1, TimeUnit.SECONDS);
      timer.scheduleWithFixedDelay(this::sampleHeaps, 5, 15, TimeUnit.SECONDS);
    }

    private void sample() {
      try {
        long fromDirectory = SoakProbes.directoryPending(directory());
        long fromMetrics = 0;
        for (String host : WORKERS) {
          fromMetrics +=
              SoakProbes.metricsPending(URI.create("http://" + host + ":" + port + "/-/metrics"));
        }
        directoryPendingMax.accumulateAndGet(fromDirectory, Math::max);
        metricsPendingMax.accumulateAndGet(fromMetrics, Math::max);
        StringBuilder line =
            new StringBuilder()
                .append((System.nanoTime() - start) / 1_000_000_000L)
                .append(',')
                .append(fromDirectory)
                .append(',')
                .append(fromMetrics);
        for (Watched process : watched) {
          long fds = SoakProbes.openFds(process.pid);
          process.fdMax = Math.max(process.fdMax, fds);
          line.append(',').append(fds);
        }
        series.add(line.toString());
        samples.incrementAndGet();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        errors.add(e.toString());
      }
    }

    private void sampleHeaps() {
      for (Watched process : watched) {
        if (!process.isJvm()) {
          continue;
        }
        try {
          long used = SoakProbes.heap(process.pid, false).usedMb();
          process.heapMaxSampledMb.accumulateAndGet(used, Math::max);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (Exception e) {
          errors.add(process.name + " heap: " + e);
        }
      }
    }

    void stop() throws InterruptedException {
      timer.shutdownNow();
      timer.awaitTermination(90, TimeUnit.SECONDS);
    }
  }

  // ---- helpers ----

  private static URI directory() {
    return URI.create("http://127.0.0.1:" + controlPort + "/-/servers");
  }

  /** Descriptors and live heap (after a full GC) of the executors, the driver and HAProxy. */
  private static void measureBaseline(List<Watched> watched)
      throws IOException, InterruptedException {
    for (String host : WORKERS) {
      List<Long> pids = cluster.executorPids(host);
      assertEquals(1, pids.size(), "executor JVMs under the Worker on " + host + ": " + pids);
      watched.add(new Watched("executor@" + host, pids.get(0), EXECUTOR_HEAP_BOUND_MB));
    }
    watched.add(new Watched("driver", driver.pid(), DRIVER_HEAP_BOUND_MB));
    Long haproxyPid = recordedPid("haproxy");
    if (haproxyPid != null) {
      watched.add(new Watched("haproxy", haproxyPid, 0));
    }
    for (Watched process : watched) {
      process.fdStart = SoakProbes.openFds(process.pid);
      process.fdMax = process.fdStart;
      if (process.isJvm()) {
        process.heapStart = SoakProbes.heap(process.pid, true);
      }
    }
  }

  /** Waits until the driver's directory and every server's metrics count no pending request. */
  private static void awaitNoPending(Duration within) {
    Awaitility.await("no request pending in the servers")
        .atMost(within)
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .until(
            () -> {
              long pending = SoakProbes.directoryPending(directory());
              for (String host : WORKERS) {
                pending +=
                    SoakProbes.metricsPending(
                        URI.create("http://" + host + ":" + port + "/-/metrics"));
              }
              return pending == 0;
            });
  }

  /**
   * Descriptors once the load is over: polled until within the growth bound (connections of the
   * load close asynchronously on the server side), bounded by {@code within}; the last count.
   */
  private static long settledFds(Watched process, Duration within)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    long fds = SoakProbes.openFds(process.pid);
    while (fds - process.fdStart >= FD_GROWTH_BOUND && System.nanoTime() < deadline) {
      Thread.sleep(250);
      fds = SoakProbes.openFds(process.pid);
    }
    return fds;
  }

  private static Long recordedPid(String component) throws IOException {
    Path file = cluster.stateDir().resolve("run").resolve(component + ".pid");
    if (!Files.isRegularFile(file)) {
      return null;
    }
    return Long.parseLong(Files.readString(file).trim().split("\\s+")[0]);
  }

  private static List<String> sample(List<Outcome> outcomes) {
    return outcomes.stream().limit(20).map(Outcome::toString).toList();
  }

  private static void writeSummary(
      Map<String, Object> summary, List<Watched> watched, Monitor monitor) throws IOException {
    Path target =
        Path.of(System.getProperty("sparkplug.it.state", "target/cluster-it"))
            .toAbsolutePath()
            .getParent();
    Files.createDirectories(target);
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(target.resolve("soak-summary.json").toFile(), summary);
    StringBuilder csv = new StringBuilder("second,pendingDirectory,pendingMetrics");
    for (Watched process : watched) {
      csv.append(",fd_").append(process.name);
    }
    csv.append('\n');
    monitor.series.forEach(line -> csv.append(line).append('\n'));
    Files.writeString(target.resolve("soak-timeseries.csv"), csv, StandardCharsets.UTF_8);
    Files.writeString(
        target.resolve("soak-summary.md"), markdown(summary, watched), StandardCharsets.UTF_8);
    System.out.printf(
        "SoakIT: %d s at %.0f arrivals/s: %d requests (%d valid, p50 %d ms, p99 %d ms, max %d ms),"
            + " %d unexpected, %d late, %d connection errors, %d without outcome; pending max %d"
            + " (directory) / %d (metrics), bound %d; %s%n",
        summary.get("seconds"),
        (Double) summary.get("ratePerSecond"),
        summary.get("requests"),
        summary.get("validRequests"),
        summary.get("validP50Ms"),
        summary.get("validP99Ms"),
        summary.get("validMaxMs"),
        summary.get("unexpected"),
        summary.get("late"),
        summary.get("connectionErrors"),
        summary.get("missing"),
        summary.get("pendingMaxDirectory"),
        summary.get("pendingMaxMetrics"),
        summary.get("pendingBound"),
        watched.stream()
            .map(
                w ->
                    w.name
                        + " fd "
                        + w.fdStart
                        + "->"
                        + w.fdEnd
                        + " (max "
                        + w.fdMax
                        + ")"
                        + (w.isJvm()
                            ? " heap after GC "
                                + w.heapStart.usedMb()
                                + "->"
                                + w.heapEnd.usedMb()
                                + " MB (max sampled "
                                + w.heapMaxSampledMb.get()
                                + " MB)"
                            : ""))
            .collect(Collectors.joining("; ")));
  }

  /** The body of the RESULTS.md section: what ran, outcomes by kind, pending, heap, descriptors. */
  @SuppressWarnings("unchecked")
  private static String markdown(Map<String, Object> summary, List<Watched> watched) {
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            "Load: %s s at %.0f arrivals/s (open loop; pipelined arrivals carry 2-6 requests),"
                + " after %s s of warm-up. %s requests, %s of them valid POSTs: p50 %s ms, p99"
                + " %s ms, max %s ms (each from its own send; a pipelined one through HAProxy"
                + " from the response before it). Valid replies by executor id: %s. Largest lag of"
                + " an arrival behind its schedule: %s ms; most exchanges open at once: %s.%n%n",
            summary.get("seconds"),
            (Double) summary.get("ratePerSecond"),
            summary.get("warmupSeconds"),
            summary.get("requests"),
            summary.get("validRequests"),
            summary.get("validP50Ms"),
            summary.get("validP99Ms"),
            summary.get("validMaxMs"),
            ((Map<String, Long>) summary.get("servedBy"))
                .entrySet().stream()
                    .map(e -> e.getKey() + ": " + e.getValue())
                    .collect(Collectors.joining(", ")),
            summary.get("maxScheduleLagMs"),
            summary.get("maxConcurrentExchanges")));
    md.append("| kind | route | requests | outcomes |\n|---|---|---|---|\n");
    Map<String, Map<String, Long>> table = (Map<String, Map<String, Long>>) summary.get("table");
    table.forEach(
        (key, results) -> {
          String[] parts = key.split(" ");
          long count = results.values().stream().mapToLong(Long::longValue).sum();
          String text =
              results.entrySet().stream()
                  .map(e -> e.getKey() + ": " + e.getValue())
                  .collect(Collectors.joining(", "));
          md.append("| ")
              .append(parts[0])
              .append(" | ")
              .append(parts[1])
              .append(" | ")
              .append(count)
              .append(" | ")
              .append(text)
              .append(" |\n");
        });
    md.append(
        String.format(
            "%nWithout outcome: %s. Two outcomes: %s. Unexpected outcome: %s. Waited past their"
                + " own timeout + %d s: %s. Connection errors: %s. Unrequested bytes: %s.%n%n",
            summary.get("missing"),
            summary.get("duplicates"),
            summary.get("unexpected"),
            MARGIN.toSeconds(),
            summary.get("late"),
            summary.get("connectionErrors"),
            summary.get("protocolErrors")));
    md.append(
        String.format(
            "Pending requests, sampled every second (%s samples): max %s in the driver's"
                + " directory, max %s in the servers' `/-/metrics` (bound %s); 0 after the"
                + " load.%n%n",
            summary.get("pendingSamples"),
            summary.get("pendingMaxDirectory"),
            summary.get("pendingMaxMetrics"),
            summary.get("pendingBound")));
    md.append(
        "| process | heap after GC, start → end (MB) | heap max sampled (MB) | bound (MB) |"
            + " open fds start → end | fds max |\n|---|---|---|---|---|---|\n");
    for (Watched process : watched) {
      md.append("| ").append(process.name).append(" | ");
      if (process.isJvm()) {
        md.append(process.heapStart.usedMb())
            .append(" → ")
            .append(process.heapEnd.usedMb())
            .append(" of ")
            .append(process.heapEnd.committedMb())
            .append(" | ")
            .append(process.heapMaxSampledMb.get())
            .append(" | ")
            .append(process.heapBoundMb);
      } else {
        md.append("- | - | -");
      }
      md.append(" | ")
          .append(process.fdStart)
          .append(" → ")
          .append(process.fdEnd)
          .append(" | ")
          .append(process.fdMax)
          .append(" |\n");
    }
    md.append(
        String.format(
            "%nAsserted: live heap under the bound and grown by less than %d MB; open descriptors"
                + " less than %d above the start under load, and less than %d above it after.%n",
            HEAP_GROWTH_BOUND_MB, FD_LOAD_BOUND, FD_GROWTH_BOUND));
    return md.toString();
  }
}
