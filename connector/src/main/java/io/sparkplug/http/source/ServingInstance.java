package io.sparkplug.http.source;

import io.sparkplug.http.cluster.ControlServer;
import io.sparkplug.http.cluster.JvmAddress;
import io.sparkplug.http.cluster.JvmAddresses;
import io.sparkplug.http.server.HttpService;
import io.sparkplug.http.server.RequestRecord;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One serving instance of a source in this JVM (the driver's in {@code mode=driver}, an executor's
 * in {@code mode=executor}): the HTTP service that holds the clients and is the target of their
 * replies, the log its accepted requests go to, and the internal endpoint other JVMs reach it at.
 *
 * <p>Created and torn down here only. {@link #start} registers the instance where this JVM looks it
 * up (the service on its port and with the reply dispatcher, the log for real-time readers here,
 * the address for reply writers here), and when any part fails to start it releases what it had, so
 * a failed start leaves nothing registered and no port bound. {@link #close} releases all of it.
 */
public final class ServingInstance implements AutoCloseable {
  private static final ConcurrentHashMap<String, ServingInstance> LOCAL = new ConcurrentHashMap<>();

  private final HttpService service;
  private final RequestLog log;
  private final ControlServer control;
  private final JvmAddress address;

  private ServingInstance(
      HttpService service, RequestLog log, ControlServer control, JvmAddress address) {
    this.service = service;
    this.log = log;
    this.control = control;
    this.address = address;
  }

  /**
   * Starts the HTTP service, then the internal endpoint, then registers the instance.
   *
   * @param service binds the HTTP service; it hands each accepted request on to {@code log}
   * @param control opens the internal endpoint
   * @param advertisedHost the host other JVMs reach the internal endpoint at
   */
  public static ServingInstance start(
      Supplier<HttpService> service,
      RequestLog log,
      Supplier<ControlServer> control,
      String advertisedHost) {
    HttpService started = service.get();
    ControlServer endpoint;
    try {
      endpoint = control.get();
    } catch (RuntimeException | Error e) {
      started.close();
      throw e;
    }
    ServingInstance instance =
        new ServingInstance(started, log, endpoint, endpoint.address(advertisedHost));
    LOCAL.put(instance.id(), instance);
    JvmAddresses.learn(instance.id(), instance.address);
    return instance;
  }

  /** The serving instance {@code id} when it runs in this JVM, else null. */
  public static ServingInstance findLocal(String id) {
    return LOCAL.get(id);
  }

  /** The random name the correlation ids of this instance's requests carry. */
  public String id() {
    return service.instance();
  }

  public HttpService service() {
    return service;
  }

  public RequestLog log() {
    return log;
  }

  public ControlServer control() {
    return control;
  }

  /** Where other JVMs reach this instance's internal endpoint. */
  public JvmAddress address() {
    return address;
  }

  /**
   * The first half of stopping: stops accepting, then answers what can no longer be answered by the
   * query: every pending request with 500 when the query failed; otherwise the requests no batch
   * will read with 503, giving the rest up to {@code drainTimeoutMs} for their replies.
   */
  public void drain(boolean queryFailed, long drainTimeoutMs) {
    service.stopAccepting();
    try {
      if (queryFailed) {
        service.answerAllPending(true);
      } else {
        for (RequestRecord record : log.unplanned()) {
          service.rejectUnprocessed(record.id());
        }
        service.awaitDrained(drainTimeoutMs);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Unregisters the instance, closes the service (leaving its port) and the internal endpoint. */
  @Override
  public void close() {
    LOCAL.remove(id(), this);
    JvmAddresses.forget(id());
    service.close();
    control.close();
  }
}
