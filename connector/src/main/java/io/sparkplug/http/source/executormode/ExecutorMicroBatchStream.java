package io.sparkplug.http.source.executormode;

import io.sparkplug.http.QueryFailures;
import io.sparkplug.http.SparkPlugHttp;
import io.sparkplug.http.cluster.ControlClient;
import io.sparkplug.http.cluster.ControlServer;
import io.sparkplug.http.cluster.DriverAddress;
import io.sparkplug.http.cluster.InternalPaths;
import io.sparkplug.http.cluster.Secret;
import io.sparkplug.http.config.ServiceOptions;
import io.sparkplug.http.executor.SourceContext;
import io.sparkplug.http.reply.RequestId;
import io.sparkplug.http.server.LocalServices;
import io.sparkplug.http.source.BoundaryStop;
import io.sparkplug.http.source.HttpPartitionReaderFactory;
import io.sparkplug.http.source.SlowSettings;
import io.sparkplug.http.source.executormode.LiveExecutors.Executor;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.connector.read.streaming.Offset;
import org.apache.spark.sql.connector.read.streaming.PartitionOffset;
import org.apache.spark.sql.connector.read.streaming.ReportsSourceMetrics;
import org.apache.spark.sql.connector.read.streaming.SupportsRealTimeMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver side of a {@code mode=executor} source. It serves no client: each executor runs a
 * server, logs its own requests and tells this side how many it holds; each batch then reads every
 * server's new range on that server's executor, so no request or reply byte passes through here.
 *
 * <p>Servers start on an executor when a task of this source first runs there. To get one running
 * on an executor that has none (at start, or a replacement that joined later), the next offset
 * raises an epoch, which makes Spark run a batch whose partitions include an empty read placed on
 * each such executor.
 */
public final class ExecutorMicroBatchStream
    implements MicroBatchStream, SupportsRealTimeMode, ReportsSourceMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorMicroBatchStream.class);
  private static final long BOOTSTRAP_RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final ServiceOptions options;
  private final LiveExecutors executors;
  private final ServerDirectory directory;
  private final ControlServer control;
  private final SourceContext context;
  private final Map<String, Long> lastBootstrap = new HashMap<>();
  private long epoch;
  private volatile ExecutorOffset realTimeStart;
  private Map<String, Long> plannedUpTo = Map.of();
  private final BoundaryStop boundary = new BoundaryStop(this::finish);
  private final SlowSettings slow;
  private volatile boolean realTime;

  /**
   * How many real-time batches of this query run have ended: while fewer than the option {@code
   * warmUpBatches}, every batch planned is a warm-up batch. Counted when a batch's offsets are
   * merged (once per batch, on the query's thread), not when it is planned, since Spark may plan a
   * batch's partitions more than once.
   */
  private volatile int endedBatches;

  public ExecutorMicroBatchStream(ServiceOptions options, SparkContext spark, SlowSettings slow) {
    this.slow = slow;
    this.options = options;
    this.executors = new LiveExecutors(spark);
    RemovedExecutors.listen(spark);
    String key = RequestId.newInstance();
    Secret secret = Secret.random();
    DriverAddress driver = DriverAddress.of(spark);
    String driverHost = driver.advertised();
    this.directory = new ServerDirectory(key, secret, options.toString());
    this.control =
        ControlServer.start(
            driver.bind(),
            options.controlPort(),
            secret,
            Map.of(InternalPaths.STATUS, directory::status),
            Map.of(InternalPaths.SERVERS, body -> directory.json(warmUpBatchesLeft())),
            ServiceOptions.CONTROL_PORT_CONFIG);
    this.context =
        new SourceContext(key, options, control.address(driverHost), executors.localMaster());
    LocalServices.executorSourceStarted(options.port(), options.path());
    LOG.info(
        "{} in mode executor: directory of executor servers at http://{}:{}{}",
        options,
        driverHost,
        control.port(),
        InternalPaths.SERVERS);
  }

  @Override
  public Offset initialOffset() {
    return new ExecutorOffset(0, Map.of());
  }

  @Override
  public synchronized Offset latestOffset() {
    slow.warnOnce(toString(), realTime);
    boundary.checkpoint(() -> plannedUpTo.equals(directory.positions()));
    directory.expire();
    long now = System.nanoTime();
    for (Executor executor : withoutServer()) {
      Long last = lastBootstrap.get(executor.id());
      if (last == null || now - last > BOOTSTRAP_RETRY_NANOS) {
        lastBootstrap.put(executor.id(), now);
        epoch++;
      }
    }
    return new ExecutorOffset(epoch, directory.positions());
  }

  @Override
  public synchronized InputPartition[] planInputPartitions(Offset start, Offset end) {
    ExecutorOffset from = ExecutorOffset.of(start);
    ExecutorOffset to = ExecutorOffset.of(end);
    plannedUpTo = new HashMap<>(to.servers());
    List<InputPartition> partitions = new ArrayList<>();
    for (Map.Entry<String, Long> server : to.servers().entrySet()) {
      long first = from.of(server.getKey());
      if (server.getValue() <= first) {
        continue;
      }
      ServerDirectory.Entry entry = directory.get(server.getKey());
      if (entry == null) {
        // A server of an earlier run of this query: its clients went with it.
        continue;
      }
      partitions.add(
          new ExecutorReadPartition(
              context,
              entry.instance,
              entry.address,
              first,
              server.getValue(),
              entry.executorId,
              executors.locations(entry.executorId, entry.host)));
    }
    for (Executor executor : withoutServer()) {
      partitions.add(
          new ExecutorBootstrapPartition(
              context, executors.locations(executor.id(), executor.host())));
    }
    return partitions.toArray(new InputPartition[0]);
  }

  /** Real-time mode: one long-running reader on every executor. */
  @Override
  public synchronized InputPartition[] planInputPartitions(Offset start) {
    slow.warnOnce(toString(), true);
    boundary.checkpoint(() -> true);
    ExecutorOffset from = ExecutorOffset.of(start);
    realTimeStart = from;
    long endEarly = options.endEarlyMillis(endedBatches);
    List<InputPartition> partitions = new ArrayList<>();
    for (Executor executor : executors.list()) {
      partitions.add(
          new ExecutorRealTimePartition(
              context,
              new HashMap<>(from.servers()),
              executors.locations(executor.id(), executor.host()),
              endEarly));
    }
    return partitions.toArray(new InputPartition[0]);
  }

  @Override
  public void prepareForRealTimeMode() {
    realTime = true;
  }

  @Override
  public Offset mergeOffsets(PartitionOffset[] offsets) {
    endedBatches++;
    ExecutorOffset from = realTimeStart != null ? realTimeStart : new ExecutorOffset(0, Map.of());
    Map<String, Long> merged = new HashMap<>(from.servers());
    for (PartitionOffset offset : offsets) {
      ExecutorPartitionOffset read = (ExecutorPartitionOffset) offset;
      if (read.instance() != null) {
        merged.merge(read.instance(), read.offset(), Math::max);
      }
    }
    return new ExecutorOffset(from.epoch(), merged);
  }

  private List<Executor> withoutServer() {
    List<Executor> missing = new ArrayList<>();
    List<ServerDirectory.Entry> live = directory.live();
    for (Executor executor : executors.list()) {
      boolean serving = false;
      for (ServerDirectory.Entry entry : live) {
        serving |= entry.executorId.equals(executor.id());
      }
      if (!serving) {
        missing.add(executor);
      }
    }
    return missing;
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new HttpPartitionReaderFactory();
  }

  @Override
  public Offset deserializeOffset(String json) {
    return ExecutorOffset.fromJson(json);
  }

  @Override
  public void commit(Offset end) {
    // Each executor drops what it holds below the start of the range it reads next.
  }

  /** Real-time warm-up batches still to end; 0 in micro-batch, which has no warm-up. */
  private int warmUpBatchesLeft() {
    return realTime ? options.warmUpBatchesLeft(endedBatches) : 0;
  }

  @Override
  public Map<String, String> metrics(Optional<Offset> latestConsumedOffset) {
    long accepted = 0;
    long pending = 0;
    List<ServerDirectory.Entry> live = directory.live();
    for (ServerDirectory.Entry entry : live) {
      accepted += entry.accepted;
      pending += entry.pending;
    }
    Map<String, String> metrics = new LinkedHashMap<>();
    metrics.put("executorServers", Integer.toString(live.size()));
    metrics.put("accepted", Long.toString(accepted));
    metrics.put(SparkPlugHttp.WARM_UP_BATCHES_LEFT, Integer.toString(warmUpBatchesLeft()));
    metrics.put("requestsPending", Long.toString(pending));
    return metrics;
  }

  /**
   * A boundary stop began: every executor server stops accepting and lets its readers end once its
   * log is empty. Best effort: a server that does not answer in time is stopped by {@link #stop}.
   */
  private void finish() {
    List<CompletableFuture<?>> calls = new ArrayList<>();
    for (ServerDirectory.Entry entry : directory.live()) {
      calls.add(
          ControlClient.post(
              entry.address, InternalPaths.FINISH, new byte[0], Duration.ofSeconds(5)));
    }
    try {
      CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0])).get(6, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      LOG.warn("sparkplug-http: not every executor server confirmed the finish: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Tells every executor server to stop (they answer what no batch will read, drain the rest up to
   * {@code drainTimeout}, and close), then closes the driver's endpoint.
   */
  @Override
  public void stop() {
    boolean failed = QueryFailures.currentQueryFailed();
    boundary.forget();
    List<ServerDirectory.Entry> live = directory.stop();
    // A server that refuses the connection has already closed: it saw the driver's stop in its
    // own status report first. Anything else unconfirmed is worth a warning, naming the server.
    Map<String, CompletableFuture<String>> calls = new LinkedHashMap<>();
    for (ServerDirectory.Entry entry : live) {
      calls.put(
          entry.address.host() + ":" + entry.address.port(),
          ControlClient.post(
                  entry.address,
                  InternalPaths.STOP,
                  new byte[] {(byte) (failed ? 1 : 0)},
                  Duration.ofSeconds(5))
              .handle(
                  (response, error) -> {
                    if (error == null) {
                      return response.statusCode() / 100 == 2
                          ? null
                          : "answered " + response.statusCode();
                    }
                    Throwable cause =
                        error instanceof CompletionException ? error.getCause() : error;
                    return cause instanceof ConnectException ? null : cause.toString();
                  }));
    }
    try {
      CompletableFuture.allOf(calls.values().toArray(new CompletableFuture<?>[0]))
          .get(6, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // reported per server below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    calls.forEach(
        (server, call) -> {
          String problem = call.isDone() ? call.getNow(null) : "no answer within 6 s";
          if (problem != null) {
            LOG.warn(
                "sparkplug-http: executor server {} did not confirm the stop: {}", server, problem);
          }
        });
    control.close();
    LocalServices.executorSourceStopped(options.port(), options.path());
    LOG.info(
        "{} stopped ({}), {} executor servers told",
        options,
        failed ? "query failed" : "query stopped",
        live.size());
  }

  @Override
  public String toString() {
    return "sparkplug-http[mode=executor, port="
        + options.port()
        + ", path="
        + options.path()
        + "]";
  }
}
