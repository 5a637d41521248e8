package io.sparkplug.bench;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Wakes the event loop when open-loop requests come due. Netty's NIO loop can only sleep in whole
 * milliseconds (Selector.select), which would add up to a millisecond of generator lag to every
 * latency measured from the intended time; parking a dedicated thread is accurate to tens of
 * microseconds. The pacer only decides when to wake the loop; the loop itself reads the clock and
 * releases every request due by then, so at most one wake-up is queued at a time.
 */
final class Pacer {
  private final long startNanos;
  private final double nanosPerRequest;
  private final long total;
  private final Executor loop;
  private final Runnable tick;
  private final AtomicBoolean tickQueued = new AtomicBoolean();
  private volatile boolean stopped;

  Pacer(long startNanos, double nanosPerRequest, long total, Executor loop, Runnable tick) {
    this.startNanos = startNanos;
    this.nanosPerRequest = nanosPerRequest;
    this.total = total;
    this.loop = loop;
    this.tick = tick;
  }

  /** When request {@code index} should leave; shared with the driver so both agree exactly. */
  long intendedNanos(long index) {
    return startNanos + (long) (index * nanosPerRequest);
  }

  void start() {
    Thread thread = new Thread(this::run, "load-pacer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Called by the tick before it reads the clock, so a wake-up racing with it is never lost. */
  void tickStarted() {
    tickQueued.set(false);
  }

  void stop() {
    stopped = true;
  }

  private void run() {
    long next = 0;
    // Bounded: every pass either sleeps towards the next due time or moves past it.
    while (next < total && !stopped) {
      long wait = intendedNanos(next) - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
        continue;
      }
      long now = System.nanoTime();
      while (next < total && intendedNanos(next) - now <= 0) {
        next++;
      }
      if (tickQueued.compareAndSet(false, true)) {
        loop.execute(tick);
      }
    }
  }
}
