package io.sparkplug.http.executor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkplug.http.cluster.ControlServer;
import io.sparkplug.http.cluster.InternalPaths;
import io.sparkplug.http.cluster.ReplyForwarder;
import io.sparkplug.http.cluster.Wire;
import io.sparkplug.http.config.ServiceOptions;
import io.sparkplug.http.server.HttpService;
import io.sparkplug.http.server.RequestRecord;
import io.sparkplug.http.source.RequestLog;
import io.sparkplug.http.source.ServingInstance;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.BindException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkEnv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One executor's server for an executor-mode source: the HTTP service clients reach through the
 * load balancer, the log of its requests (read by this executor's tasks), and an internal endpoint
 * for reads, forwarded replies and the driver's stop signal, all one {@link ServingInstance}. A
 * {@link StatusReporter} keeps the driver's directory current.
 *
 * <p>Healthy (for the balancer) only while the driver answers and the requests are being read; a
 * server whose driver has been silent for {@value StatusReporter#DRIVER_LOST_MS} ms stops serving
 * by itself.
 */
public final class ExecutorServer {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long UNHEALTHY_AFTER_SILENCE_MS = 3_000;
  private static final long READ_STALL_MS = 10_000;

  private final SourceContext context;
  private final String executorId;
  private final String host;
  private final RequestLog log = new RequestLog();
  private final AtomicBoolean realTimeReader = new AtomicBoolean();
  private final StatusReporter reporter;
  private final ServingInstance instance;
  private final HttpService service;
  private final ControlServer control;
  private volatile boolean closed;

  private ExecutorServer(SourceContext context) {
    this.context = context;
    SparkEnv env = SparkEnv.get();
    this.executorId = env == null ? "driver" : env.executorId();
    ServiceOptions options = context.options();
    if (options.host() != null) {
      this.host = options.host();
    } else if (context.localMaster() || env == null) {
      this.host = "127.0.0.1";
    } else {
      this.host = env.blockManager().blockManagerId().host();
    }
    // Before the service starts: its first request wakes the reporter.
    this.reporter = new StatusReporter(context, this::status, () -> stop(false));
    this.instance =
        ServingInstance.start(
            () -> bindFirstFree(options),
            log,
            () ->
                ControlServer.start(
                    host,
                    0,
                    context.driver().secret(),
                    Map.of(
                        ReplyForwarder.PATH, ReplyForwarder::receive,
                        InternalPaths.READ, this::readCall,
                        InternalPaths.STOP, this::stopCall,
                        InternalPaths.FINISH, this::finishCall),
                    Map.of(),
                    "controlPort"),
            host);
    this.service = instance.service();
    this.control = instance.control();
    service.healthCheck(this::healthy);
    reporter.start(service.instance());
    LOG.info(
        "sparkplug-http executor {} serving {}:{}{} (instance {}, internal port {})",
        executorId,
        host,
        service.port(),
        options.path(),
        service.instance(),
        control.port());
  }

  static ExecutorServer start(SourceContext context) {
    return new ExecutorServer(context);
  }

  private HttpService bindFirstFree(ServiceOptions options) {
    IllegalArgumentException last = null;
    for (int port = options.port(); port <= options.lastPort(); port++) {
      try {
        return HttpService.start(options, host, port, this::accept);
      } catch (IllegalArgumentException e) {
        if (!portTaken(e)) {
          throw e;
        }
        last = e;
      }
    }
    throw new IllegalArgumentException(
        "sparkplug-http: executor "
            + executorId
            + " found no free port in "
            + options.port()
            + "-"
            + options.lastPort()
            + " on "
            + host
            + " (option 'port')",
        last);
  }

  /** A port another process holds (EADDRINUSE), as opposed to an address that cannot be bound. */
  private static boolean portTaken(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException
          || (t.getMessage() != null && t.getMessage().contains("already in use"))) {
        String message = String.valueOf(t.getMessage());
        if (message.contains("already in use")) {
          return true;
        }
      }
    }
    return false;
  }

  private void accept(RequestRecord record) {
    log.accept(record);
    // A micro-batch needs the driver to learn of new requests at once: it plans the next batch
    // from the reported positions. A real-time reader takes them straight from the log, and the
    // driver gets the offsets from the readers at the boundary, so the heartbeat is enough there.
    // Reporting every arrival made one status call after another under load, which halved
    // real-time throughput at 64 connections on the cluster (benchmarks/RESULTS.md).
    if (!realTimeReader.get()) {
      reporter.requestArrived();
    }
  }

  public String instance() {
    return service.instance();
  }

  /** The source this server serves. */
  SourceContext context() {
    return context;
  }

  public RequestLog log() {
    return log;
  }

  boolean isClosed() {
    return closed;
  }

  /** Records in {@code (from, to]} for a micro-batch; what lies before {@code from} is dropped. */
  List<RequestRecord> read(long from, long to) {
    List<RequestRecord> records = log.plan(from, to);
    log.commit(from);
    return records;
  }

  /** Only one real-time reader per server takes its requests; others on this JVM idle. */
  public boolean claimRealTime() {
    return realTimeReader.compareAndSet(false, true);
  }

  public void releaseRealTime() {
    realTimeReader.set(false);
  }

  private boolean healthy() {
    boolean driverInTouch = reporter.driverInTouch(UNHEALTHY_AFTER_SILENCE_MS);
    boolean readStalled =
        readStalled(
            log.oldestUnreadMicros(),
            TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis()),
            TimeUnit.MILLISECONDS.toMicros(READ_STALL_MS));
    return !closed && driverInTouch && !readStalled;
  }

  /**
   * The oldest unread request has waited longer than {@code limitMicros} for a batch to read it.
   * Timed from that request's arrival, so a server idle for a while is not unhealthy the instant a
   * request arrives; -1 means nothing is unread.
   */
  static boolean readStalled(long oldestUnreadMicros, long nowMicros, long limitMicros) {
    return oldestUnreadMicros >= 0 && nowMicros - oldestUnreadMicros > limitMicros;
  }

  private ControlServer.Response readCall(byte[] body) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
    long from = in.readLong();
    long to = in.readLong();
    return ControlServer.Response.ok(Wire.encodeRecords(read(from, to)));
  }

  /** The query is about to stop at a batch boundary: accept nothing new, let readers end. */
  private ControlServer.Response finishCall(byte[] body) {
    service.stopAccepting();
    log.finish();
    return ControlServer.Response.text(200, "finishing");
  }

  private ControlServer.Response stopCall(byte[] body) {
    boolean failed = body.length > 0 && body[0] == 1;
    Thread stopper = new Thread(() -> stop(failed), "sparkplug-executor-stop");
    stopper.setDaemon(true);
    stopper.start();
    return ControlServer.Response.text(200, "stopping");
  }

  private byte[] status() throws IOException {
    ObjectNode status = JSON.createObjectNode();
    status.put("key", context.key());
    status.put("instance", service.instance());
    status.put("executorId", executorId);
    status.put("host", host);
    status.put("port", service.port());
    status.put("controlPort", control.port());
    status.put("latest", log.latest());
    status.put("pending", service.pendingCount());
    status.put("accepted", service.counters().acceptedCount());
    status.put("healthy", healthy());
    return JSON.writeValueAsBytes(status);
  }

  /**
   * Stops accepting; answers every request no batch will read (503, or 500 when the query failed);
   * waits up to {@code drainTimeout} for replies to the rest; then closes.
   */
  synchronized void stop(boolean queryFailed) {
    if (closed) {
      return;
    }
    try {
      instance.drain(queryFailed, context.options().drainTimeoutMs());
    } finally {
      closed = true;
      reporter.close();
      instance.close();
      ExecutorServers.forget(context.key(), this);
      LOG.info(
          "sparkplug-http executor {} stopped serving port {} ({}): {}",
          executorId,
          service.port(),
          queryFailed ? "query failed" : "query stopped",
          service.counters().snapshot());
    }
  }
}
