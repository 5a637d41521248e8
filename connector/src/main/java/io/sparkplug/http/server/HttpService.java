package io.sparkplug.http.server;

import io.sparkplug.http.config.ServiceOptions;
import io.sparkplug.http.oip.InferRequests;
import io.sparkplug.http.oip.OipDocuments;
import io.sparkplug.http.reply.Reply;
import io.sparkplug.http.reply.ReplyDispatcher;
import io.sparkplug.http.reply.ReplyTarget;
import io.sparkplug.http.reply.RequestId;
import io.sparkplug.http.rows.JsonRequests;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One source's endpoint: a path on a (possibly shared) server, and the table of its requests that
 * still await a reply. Every admitted request is completed exactly once: by its reply, its
 * deadline, the client going away, or the service stopping.
 */
public final class HttpService implements ReplyTarget {
  private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);
  private static final long SUMMARY_INTERVAL_SECONDS = 60;

  private final String instance = RequestId.newInstance();
  private final ServiceOptions options;
  private final Consumer<RequestRecord> requests;
  private final ConcurrentHashMap<Long, Exchange> pending = new ConcurrentHashMap<>();
  private final AtomicInteger pendingCount = new AtomicInteger();
  private final AtomicLong nextSequence = new AtomicLong();
  private final ServiceCounters counters = new ServiceCounters();
  private final LatencyHistogram latency = new LatencyHistogram();
  private final Object drained = new Object();
  private final String retryAfterSeconds;

  /** The body check and conversion of a service with a {@code requestSchema}; else null. */
  private final JsonRequests typedBodies;

  /** The inference request check of a {@code protocol=oip} service; else null. */
  private final InferRequests inferRequests;

  private volatile boolean accepting = true;
  private volatile BooleanSupplier healthCheck = () -> true;
  private volatile IntSupplier warmUpBatchesLeft = () -> -1;
  private volatile HttpServer server;
  private long lastSummarizedAccepted;

  private HttpService(ServiceOptions options, Consumer<RequestRecord> requests) {
    this.options = options;
    this.requests = requests;
    this.retryAfterSeconds =
        Long.toString(
            Math.max(1, TimeUnit.MILLISECONDS.toSeconds(options.requestTimeoutMs()) / 10));
    this.inferRequests =
        options.oip()
            ? new InferRequests(
                options.requestSchema(), options.maxJsonDepth(), options.maxBodyBytes())
            : null;
    this.typedBodies =
        options.requestSchema() == null || options.oip()
            ? null
            : new JsonRequests(
                options.requestSchema(),
                options.rejectUnknownFields(),
                options.maxJsonDepth(),
                options.maxBodyBytes());
  }

  /** Validates and converts request bodies; null when the service takes any body. */
  JsonRequests typedBodies() {
    return typedBodies;
  }

  /** Checks and converts inference requests; null unless the service has {@code protocol=oip}. */
  InferRequests inferRequests() {
    return inferRequests;
  }

  /**
   * The reply as the client gets it: for a {@code protocol=oip} service the inference response
   * around the sink's outputs, or the protocol's error object for the connector's own errors.
   */
  private Reply forClient(Exchange exchange, Reply reply) {
    if (inferRequests == null) {
      return OipDocuments.withoutMarker(reply);
    }
    return OipDocuments.finish(
        reply, options.model(), options.modelVersion(), exchange.oipClientId, exchange.oipOutputs);
  }

  /**
   * Starts serving {@code options.path()} on {@code host:options.port()}, binding the port unless
   * another service of this JVM already did. Each accepted request is handed to {@code requests} on
   * a Netty thread; the consumer must not block.
   *
   * @throws IllegalArgumentException when the port is taken or the path is already served
   */
  public static HttpService start(
      ServiceOptions options, String host, Consumer<RequestRecord> requests) {
    return start(options, host, options.port(), requests);
  }

  /** As {@link #start(ServiceOptions, String, Consumer)}, on {@code port} (one of a range). */
  public static HttpService start(
      ServiceOptions options, String host, int port, Consumer<RequestRecord> requests) {
    HttpService service = new HttpService(options, requests);
    // Routable before the first request can arrive: a reply to it must find this service.
    ReplyDispatcher.register(service.instance, service);
    try {
      service.server = ServerRegistry.register(ServerSettings.of(options, host, port), service);
    } catch (RuntimeException e) {
      ReplyDispatcher.unregister(service.instance);
      throw e;
    }
    service.scheduleSummary();
    return service;
  }

  /** The random name that correlation ids of this service carry. */
  public String instance() {
    return instance;
  }

  public String path() {
    return options.path();
  }

  ServiceOptions options() {
    return options;
  }

  public int port() {
    return server.port();
  }

  /** The server this service is one path of. */
  HttpServer server() {
    return server;
  }

  public ServiceCounters counters() {
    return counters;
  }

  public int pendingCount() {
    return pendingCount.get();
  }

  /** Time from admission to the query's reply, for the replies that were delivered. */
  public LatencyHistogram latency() {
    return latency;
  }

  /** What this service's server refused before any service saw it, by reason. */
  public Map<String, Long> serverRejections() {
    return server.rejections().snapshot();
  }

  boolean isAccepting() {
    return accepting;
  }

  /**
   * Whether a load balancer should send this service traffic: it accepts requests and, for an
   * executor's server, the driver is in touch and its requests are being read.
   */
  boolean isHealthy() {
    return accepting && healthCheck.getAsBoolean();
  }

  /** Adds a condition to {@link #isHealthy()}. */
  public void healthCheck(BooleanSupplier check) {
    this.healthCheck = check;
  }

  /**
   * Lets {@code /-/health} report the real-time warm-up batches the query still has to end (a
   * negative value while that is not known yet), so that a deployment tool can wait for 0 before it
   * calls the service up; left unset where the query's stream lives in another JVM (an executor's
   * server), whose directory on the driver reports it.
   */
  public void warmUpBatchesLeft(IntSupplier left) {
    this.warmUpBatchesLeft = left;
  }

  /** The warm-up batches left, or null when this JVM cannot tell (yet). */
  Integer warmUpBatchesLeft() {
    int left = warmUpBatchesLeft.getAsInt();
    return left < 0 ? null : left;
  }

  long nextSequence() {
    return nextSequence.getAndIncrement();
  }

  String idFor(long sequence) {
    return RequestId.format(instance, sequence);
  }

  /** Called on the connection's event loop once a whole request has arrived. */
  void admit(Exchange exchange, RequestRecord record) {
    if (!accepting) {
      if (exchange.claim()) {
        counters.rejectedStopping.increment();
        exchange.respond(
            forClient(
                exchange,
                Reply.error(503, "Service Unavailable: the service is stopping", true)
                    .withHeader("Retry-After", retryAfterSeconds)));
      }
      return;
    }
    if (pendingCount.incrementAndGet() > options.maxPendingRequests()) {
      pendingCount.decrementAndGet();
      if (exchange.claim()) {
        counters.rejectedFull.increment();
        exchange.respond(
            forClient(
                exchange,
                Reply.error(503, "Service Unavailable: too many pending requests", false)
                    .withHeader("Retry-After", retryAfterSeconds)));
      }
      return;
    }
    pending.put(exchange.sequence, exchange);
    counters.accepted.increment();
    exchange.setDeadline(
        NettyResources.timer()
            .newTimeout(
                t ->
                    answer(exchange, Reply.error(504, "Gateway Timeout", false), counters.timedOut),
                options.requestTimeoutMs(),
                TimeUnit.MILLISECONDS));
    requests.accept(record);
  }

  @Override
  public Outcome deliver(long sequence, Reply reply) {
    Exchange exchange = pending.get(sequence);
    if (exchange == null || !answer(exchange, reply, counters.replied)) {
      counters.repliesDropped.increment();
      return Outcome.DROPPED;
    }
    latency.record(System.nanoTime() - exchange.acceptedNanos);
    return Outcome.DELIVERED;
  }

  /** The client closed its connection: forget the request; a later reply is dropped. */
  void abandon(Exchange exchange) {
    if (exchange.claim()) {
      forget(exchange);
      counters.clientGone.increment();
    }
  }

  private boolean answer(Exchange exchange, Reply reply, LongAdder counter) {
    if (!exchange.claim()) {
      return false;
    }
    forget(exchange);
    counter.increment();
    exchange.respond(forClient(exchange, reply));
    if (LOG.isDebugEnabled()) {
      LOG.debug(
          "request {} answered {} after {} us",
          idFor(exchange.sequence),
          reply.status(),
          (System.nanoTime() - exchange.acceptedNanos) / 1000);
    }
    return true;
  }

  private void forget(Exchange exchange) {
    if (pending.remove(exchange.sequence) != null && pendingCount.decrementAndGet() == 0) {
      if (!accepting) {
        synchronized (drained) {
          drained.notifyAll();
        }
      }
    }
  }

  /** One INFO line a minute while requests arrive: counters and latency, no per-request noise. */
  private void scheduleSummary() {
    NettyResources.timer()
        .newTimeout(
            t -> {
              if (!accepting) {
                return;
              }
              long accepted = counters.accepted.sum();
              if (accepted != lastSummarizedAccepted) {
                lastSummarizedAccepted = accepted;
                LOG.info(
                    "{}: {}, pending {}, reply latency p50 {} ms, p99 {} ms",
                    this,
                    counters.snapshot(),
                    pendingCount(),
                    latency.quantileMillis(0.5),
                    latency.quantileMillis(0.99));
              }
              scheduleSummary();
            },
            SUMMARY_INTERVAL_SECONDS,
            TimeUnit.SECONDS);
  }

  /** New requests for this service get 503 from now on; pending ones keep waiting. */
  public void stopAccepting() {
    accepting = false;
  }

  /** Answers one pending request (by id) with 503 because it will never reach the query. */
  public void rejectUnprocessed(String id) {
    long sequence = RequestId.sequenceOf(id);
    Exchange exchange = pending.get(sequence);
    if (exchange != null) {
      answer(
          exchange,
          Reply.error(503, "Service Unavailable: the service stopped", true),
          counters.rejectedStopping);
    }
  }

  /** Waits up to {@code timeoutMs} for every pending request to be answered. */
  public boolean awaitDrained(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    synchronized (drained) {
      while (pendingCount.get() > 0) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return false;
        }
        drained.wait(left);
      }
    }
    return true;
  }

  /** Answers every pending request now: 503 when the query stopped, 500 when it failed. */
  public void answerAllPending(boolean queryFailed) {
    for (Exchange exchange : pending.values()) {
      if (queryFailed) {
        answer(exchange, Reply.error(500, "Internal Server Error", true), counters.failed);
      } else {
        answer(
            exchange,
            Reply.error(503, "Service Unavailable: the service stopped", true),
            counters.rejectedStopping);
      }
    }
  }

  /** Leaves the server (closing it when this was its last service) and the reply dispatcher. */
  public void close() {
    accepting = false;
    answerAllPending(false);
    ReplyDispatcher.unregister(instance);
    ServerRegistry.unregister(server, this);
    LocalServices.serviceClosed(server.port(), options.path());
  }

  @Override
  public String toString() {
    return "sparkplug-http service " + instance + " on port " + port() + options.path();
  }
}
