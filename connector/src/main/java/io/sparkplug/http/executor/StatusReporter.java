package io.sparkplug.http.executor;

import io.sparkplug.http.cluster.ControlClient;
import io.sparkplug.http.cluster.InternalPaths;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that keeps the driver's directory current for one executor server: a status call at
 * once when requests arrive (so the driver plans a batch for them) and every {@value #HEARTBEAT_MS}
 * ms otherwise. When the driver answers that the source is gone, or has been unreachable for
 * {@value #DRIVER_LOST_MS} ms, it tells the server to stop.
 */
final class StatusReporter {
  private static final Logger LOG = LoggerFactory.getLogger(StatusReporter.class);
  static final long HEARTBEAT_MS = 1_000;
  static final long DRIVER_LOST_MS = 15_000;

  private final SourceContext context;
  private final Callable<byte[]> status;
  private final Runnable stopServer;
  private final Object wake = new Object();
  private volatile boolean dirty = true;
  private volatile boolean closed;
  private volatile long lastAckNanos = System.nanoTime();

  /**
   * @param status the body of the next status call
   * @param stopServer stops the server when the driver is gone; called on the reporter's thread
   */
  StatusReporter(SourceContext context, Callable<byte[]> status, Runnable stopServer) {
    this.context = context;
    this.status = status;
    this.stopServer = stopServer;
  }

  void start(String instance) {
    Thread reporter = new Thread(this::report, "sparkplug-executor-status-" + instance);
    reporter.setDaemon(true);
    reporter.start();
  }

  /** A request arrived: report soon. Called on Netty threads; never blocks for long. */
  void requestArrived() {
    if (!dirty) {
      // The reporter is idle: wake it. While a report is due anyway, arrivals only add to it.
      dirty = true;
      synchronized (wake) {
        wake.notify();
      }
    }
  }

  /** True when the driver acknowledged a status call within the last {@code limitMs}. */
  boolean driverInTouch(long limitMs) {
    return System.nanoTime() - lastAckNanos < TimeUnit.MILLISECONDS.toNanos(limitMs);
  }

  /** No further call is made; the thread ends. */
  void close() {
    closed = true;
    synchronized (wake) {
      wake.notify();
    }
  }

  private void report() {
    while (!closed) {
      synchronized (wake) {
        if (!dirty) {
          try {
            wake.wait(HEARTBEAT_MS);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
      dirty = false;
      if (closed) {
        return;
      }
      try {
        HttpResponse<byte[]> response =
            ControlClient.post(
                    context.driver(), InternalPaths.STATUS, status.call(), Duration.ofSeconds(5))
                .get(6, TimeUnit.SECONDS);
        if (response.statusCode() == 200) {
          lastAckNanos = System.nanoTime();
        } else if (response.statusCode() == 410) {
          LOG.info("sparkplug-http: the driver no longer runs {}; stopping", context);
          stopServer.run();
          return;
        } else {
          LOG.warn("sparkplug-http: the driver answered status {}", response.statusCode());
        }
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        long silentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastAckNanos);
        if (silentMs > DRIVER_LOST_MS) {
          LOG.warn(
              "sparkplug-http: driver unreachable for {} ms ({}); stopping the executor server",
              silentMs,
              e.toString());
          stopServer.run();
          return;
        }
      }
    }
  }
}
