package io.sparkplug.bench;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Open loop: request {@code i} is due at {@code start + i / rate} whether or not the server kept
 * up. A due request waits for a free connection and its latency still counts from its due time, so
 * a stalling server shows up in the percentiles instead of silently lowering the offered load
 * (coordinated omission). Due-but-waiting requests need no queue: they are exactly the indices
 * between {@code dispatched} and {@code due}.
 */
final class OpenLoopDriver extends LoadDriver {
  /**
   * How long the oldest waiting request may wait before another connection is opened, and the
   * minimum gap between two such openings. Growing by one per interval rides out a brief stall (a
   * GC or JIT pause) with a handful of extra connections, while sustained overload still reaches
   * {@code --max-connections} within seconds.
   */
  private static final long EXPAND_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  /** How long to wait for the initial connections before starting the clock anyway. */
  private static final long WARM_CONNECT_MILLIS = 2_000;

  private final ArrayDeque<ClientConnection> idle = new ArrayDeque<>();
  private Pacer pacer;
  private long total;
  private long due;
  private long dispatched;
  private int connectionLimit;
  private long lastExpansionNanos;
  private int pendingConnects;
  private boolean started;
  private boolean dispatchQueued;

  OpenLoopDriver(
      LoadOptions options, EventLoop loop, ConnectionFactory factory, Promise<LoadResult> done) {
    super(options, loop, factory, done);
    this.connectionLimit = options.connections();
  }

  @Override
  void start() {
    // Connect first so the first measured requests do not pay for TCP handshakes.
    pendingConnects = options.connections();
    for (int i = 0; i < options.connections(); i++) {
      ChannelFuture connected = openConnection().connectFuture();
      connected.addListener(
          f -> {
            if (--pendingConnects == 0) {
              begin();
            }
          });
    }
    loop.schedule(this::begin, WARM_CONNECT_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void begin() {
    if (started || finished) {
      return;
    }
    started = true;
    long start = beginMeasuring();
    lastExpansionNanos = start;
    double seconds = options.warmupSeconds() + options.durationSeconds();
    // Requests due strictly before the end of the window; the epsilon absorbs rounding of R*S.
    total = (long) Math.ceil(seconds * options.rate() - 1e-9);
    pacer = new Pacer(start, TimeUnit.SECONDS.toNanos(1) / options.rate(), total, loop, this::tick);
    pacer.start();
  }

  private long intendedNanos(long index) {
    return pacer.intendedNanos(index);
  }

  /** Runs on the event loop when the pacer says requests are due: releases all due by now. */
  private void tick() {
    pacer.tickStarted();
    if (finished || sendingDone) {
      return;
    }
    long now = System.nanoTime();
    while (due < total && intendedNanos(due) - now <= 0) {
      markSent(intendedNanos(due));
      due++;
    }
    dispatch(now);
    if (due == total) {
      stopSending();
    }
  }

  /** Hands waiting requests, oldest first, to idle connections, opening more when allowed. */
  private void dispatch(long now) {
    while (dispatched < due && !finished) {
      ClientConnection connection = idle.pollFirst();
      if (connection == null) {
        if (liveConnections() >= connectionLimit) {
          boolean starving =
              now - intendedNanos(dispatched) > EXPAND_AFTER_NANOS
                  && now - lastExpansionNanos > EXPAND_AFTER_NANOS;
          if (!starving || connectionLimit >= options.maxConnections()) {
            return;
          }
          connectionLimit++;
          lastExpansionNanos = now;
        }
        connection = openConnection();
      }
      connection.assign(intendedNanos(dispatched++));
    }
  }

  @Override
  public void onIdle(ClientConnection connection) {
    if (finished) {
      connection.abort("run finished");
      return;
    }
    idle.addLast(connection);
    dispatch(System.nanoTime());
  }

  @Override
  protected void connectionLost(ClientConnection connection) {
    idle.remove(connection);
    // Deferred: a refused connect fails fast, and dispatching inline would recurse once per
    // waiting request.
    if (!dispatchQueued) {
      dispatchQueued = true;
      loop.execute(
          () -> {
            dispatchQueued = false;
            dispatch(System.nanoTime());
          });
    }
  }

  @Override
  protected void failUndispatched() {
    if (pacer == null) {
      return;
    }
    pacer.stop();
    long now = System.nanoTime();
    for (long i = dispatched; i < due; i++) {
      stats.onError(intendedNanos(i), "unanswered at drain timeout", now);
    }
    dispatched = due;
  }
}
