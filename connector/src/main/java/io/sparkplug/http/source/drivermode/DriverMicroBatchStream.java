package io.sparkplug.http.source.drivermode;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkplug.http.QueryFailures;
import io.sparkplug.http.SparkPlugHttp;
import io.sparkplug.http.cluster.ControlServer;
import io.sparkplug.http.cluster.DriverAddress;
import io.sparkplug.http.cluster.InternalPaths;
import io.sparkplug.http.cluster.JvmAddress;
import io.sparkplug.http.cluster.ReplyForwarder;
import io.sparkplug.http.cluster.Secret;
import io.sparkplug.http.config.Mode;
import io.sparkplug.http.config.ServiceOptions;
import io.sparkplug.http.server.HttpService;
import io.sparkplug.http.server.RequestRecord;
import io.sparkplug.http.source.BoundaryStop;
import io.sparkplug.http.source.HttpPartitionReaderFactory;
import io.sparkplug.http.source.RequestLog;
import io.sparkplug.http.source.ServingInstance;
import io.sparkplug.http.source.SlowSettings;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.streaming.AcceptsLatestSeenOffset;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.connector.read.streaming.Offset;
import org.apache.spark.sql.connector.read.streaming.PartitionOffset;
import org.apache.spark.sql.connector.read.streaming.ReportsSourceMetrics;
import org.apache.spark.sql.connector.read.streaming.SupportsRealTimeMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream of one service, on the driver. It starts the server when the query starts and stops it
 * with the query. In micro-batch mode each batch ships the requests logged since the previous one;
 * in real-time mode long-running readers take requests from the log as they arrive.
 */
public final class DriverMicroBatchStream
    implements MicroBatchStream,
        SupportsRealTimeMode,
        AcceptsLatestSeenOffset,
        ReportsSourceMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(DriverMicroBatchStream.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ServiceOptions options;
  private final int partitions;
  private final RequestLog log = new RequestLog();
  private final ServingInstance instance;
  private final HttpService service;
  private final JvmAddress driverAddress;
  private final BoundaryStop boundary = new BoundaryStop(this::finish);
  private final SlowSettings slow;
  private volatile boolean realTime;
  private volatile boolean askedForWork;

  /**
   * How many real-time batches of this query run have ended: while fewer than the option {@code
   * warmUpBatches}, every batch planned is a warm-up batch. Counted when a batch's offsets are
   * merged (once per batch, on the query's thread), not when it is planned, since Spark may plan a
   * batch's partitions more than once.
   */
  private volatile int endedBatches;

  public DriverMicroBatchStream(
      ServiceOptions options, String host, int partitions, SparkContext spark, SlowSettings slow) {
    this.slow = slow;
    this.options = options;
    this.partitions = partitions;
    // Replies computed on executors come back here, through the driver's internal endpoint.
    DriverAddress driver = DriverAddress.of(spark);
    String driverHost = driver.advertised();
    this.instance =
        ServingInstance.start(
            () -> HttpService.start(options, host, log),
            log,
            () ->
                ControlServer.start(
                    driver.bind(),
                    options.controlPort(),
                    Secret.random(),
                    Map.of(
                        ReplyForwarder.PATH,
                        ReplyForwarder::receive,
                        InternalPaths.TAKE,
                        this::take),
                    Map.of(InternalPaths.SERVERS, body -> servers(driverHost)),
                    ServiceOptions.CONTROL_PORT_CONFIG),
            driverHost);
    this.service = instance.service();
    this.driverAddress = instance.address();
    // Until the query first asks for work, the trigger (and so whether there is a warm-up) is
    // not known: /-/health leaves the count out.
    service.warmUpBatchesLeft(() -> askedForWork ? warmUpBatchesLeft() : -1);
  }

  /** A real-time reader in another JVM takes up to N requests, waiting up to W ms for the first. */
  private ControlServer.Response take(byte[] body) throws Exception {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
    int max = Math.max(1, Math.min(in.readInt(), 1024));
    long waitMs = Math.max(0, Math.min(in.readLong(), 60_000));
    List<RequestLog.Taken> taken = new ArrayList<>();
    RequestLog.Taken first = log.take(TimeUnit.MILLISECONDS.toNanos(waitMs));
    if (first != null) {
      taken.add(first);
      RequestLog.Taken next;
      while (taken.size() < max && (next = log.take(0)) != null) {
        taken.add(next);
      }
    }
    return ControlServer.Response.ok(RemoteTakes.encode(taken));
  }

  /** The directory in driver mode: the driver's one server. */
  private ControlServer.Response servers(String driverHost) throws Exception {
    ObjectNode root = JSON.createObjectNode();
    root.put("source", options.toString());
    root.put("mode", Mode.DRIVER.optionValue());
    root.put("running", true);
    ObjectNode server = root.putArray("servers").addObject();
    server.put("executorId", "driver");
    server.put("host", driverHost);
    server.put("port", service.port());
    server.put("instance", service.instance());
    server.put("state", "serving");
    server.put("healthy", true);
    server.put("accepted", service.counters().acceptedCount());
    server.put("pending", service.pendingCount());
    return ControlServer.Response.json(200, JSON.writeValueAsString(root));
  }

  @Override
  public void setLatestSeenOffset(Offset offset) {
    log.startAbove(DriverOffset.of(offset));
  }

  @Override
  public Offset initialOffset() {
    return new DriverOffset(log.start());
  }

  @Override
  public Offset latestOffset() {
    askedForWork = true;
    slow.warnOnce(toString(), realTime);
    boundary.checkpoint(() -> log.backlog() == 0);
    return new DriverOffset(log.latest());
  }

  @Override
  public InputPartition[] planInputPartitions(Offset start, Offset end) {
    List<RequestRecord> records = log.plan(DriverOffset.of(start), DriverOffset.of(end));
    int count = Math.min(partitions, records.size());
    InputPartition[] split = new InputPartition[count];
    for (int p = 0; p < count; p++) {
      int from = (int) ((long) records.size() * p / count);
      int to = (int) ((long) records.size() * (p + 1) / count);
      split[p] =
          new DriverInputPartition(
              records.subList(from, to).toArray(new RequestRecord[0]),
              service.instance(),
              driverAddress);
    }
    return split;
  }

  /**
   * Real-time mode: every reader is a task that runs until the batch deadline, so all of them must
   * fit in the cores Spark has; without {@code numPartitions} there is one.
   */
  @Override
  public InputPartition[] planInputPartitions(Offset start) {
    askedForWork = true;
    slow.warnOnce(toString(), true);
    boundary.checkpoint(() -> true);
    int readers = options.numPartitions() > 0 ? options.numPartitions() : 1;
    long from = DriverOffset.of(start);
    long endEarly = options.endEarlyMillis(endedBatches);
    InputPartition[] split = new InputPartition[readers];
    for (int p = 0; p < readers; p++) {
      split[p] = new DriverRealTimePartition(service.instance(), from, driverAddress, endEarly);
    }
    return split;
  }

  /** Readers share one log and take requests in order, so the furthest reader marks the end. */
  @Override
  public void prepareForRealTimeMode() {
    realTime = true;
  }

  @Override
  public Offset mergeOffsets(PartitionOffset[] offsets) {
    endedBatches++;
    long end = Long.MIN_VALUE;
    for (PartitionOffset offset : offsets) {
      end = Math.max(end, ((DriverPartitionOffset) offset).offset());
    }
    return new DriverOffset(end == Long.MIN_VALUE ? log.start() : end);
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new HttpPartitionReaderFactory();
  }

  @Override
  public Offset deserializeOffset(String json) {
    return DriverOffset.fromJson(json);
  }

  @Override
  public void commit(Offset end) {
    log.commit(DriverOffset.of(end));
  }

  /** Real-time warm-up batches still to end; 0 in micro-batch, which has no warm-up. */
  private int warmUpBatchesLeft() {
    return realTime ? options.warmUpBatchesLeft(endedBatches) : 0;
  }

  @Override
  public Map<String, String> metrics(Optional<Offset> latestConsumedOffset) {
    Map<String, String> metrics = new LinkedHashMap<>();
    service.counters().snapshot().forEach((name, value) -> metrics.put(name, value.toString()));
    metrics.put(SparkPlugHttp.WARM_UP_BATCHES_LEFT, Integer.toString(warmUpBatchesLeft()));
    metrics.put("requestsPending", Integer.toString(service.pendingCount()));
    metrics.put("requestsNotYetPlanned", Long.toString(log.backlog()));
    service
        .serverRejections()
        .forEach((reason, count) -> metrics.put("rejected" + camelCase(reason), count.toString()));
    metrics.put("replyLatencyP50Ms", formatMillis(service.latency().quantileMillis(0.5)));
    metrics.put("replyLatencyP99Ms", formatMillis(service.latency().quantileMillis(0.99)));
    return metrics;
  }

  /** {@code body_too_large} becomes {@code BodyTooLarge}. */
  private static String camelCase(String snake) {
    StringBuilder out = new StringBuilder();
    for (String part : snake.split("_")) {
      out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
    }
    return out.toString();
  }

  private static String formatMillis(double millis) {
    return Double.isInfinite(millis) ? "+Inf" : String.format(Locale.ROOT, "%.3f", millis);
  }

  /** A boundary stop began: accept nothing new, and let readers end once the log is empty. */
  private void finish() {
    service.stopAccepting();
    log.finish();
  }

  /**
   * Stops accepting, answers what can no longer be answered, lets replies from tasks that are still
   * finishing arrive up to {@code drainTimeout}, then closes the service.
   */
  @Override
  public void stop() {
    boolean failed = QueryFailures.currentQueryFailed();
    boundary.forget();
    try {
      instance.drain(failed, options.drainTimeoutMs());
    } finally {
      instance.close();
      LOG.info(
          "{} stopped ({}): {}",
          service,
          failed ? "query failed" : "query stopped",
          service.counters().snapshot());
    }
  }

  @Override
  public String toString() {
    return "sparkplug-http[port=" + options.port() + ", path=" + options.path() + "]";
  }
}
