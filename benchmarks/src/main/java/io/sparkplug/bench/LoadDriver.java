package io.sparkplug.bench;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What the open- and closed-loop drivers share: the live connections, the statistics and the
 * bounded end of a run (stop sending, drain for at most the drain timeout, then fail whatever is
 * still unanswered). Everything runs on the single event loop, so plain fields suffice.
 */
abstract sealed class LoadDriver implements ClientConnection.Listener
    permits OpenLoopDriver, ClosedLoopDriver {

  protected final LoadOptions options;
  protected final EventLoop loop;
  private final ConnectionFactory factory;
  private final Promise<LoadResult> done;
  private final Set<ClientConnection> live = new LinkedHashSet<>();
  protected RunStats stats;
  protected boolean sendingDone;
  protected boolean finished;
  private long issued;
  private long completed;
  private long measureEndNanos;
  private int peakConnections;

  LoadDriver(
      LoadOptions options, EventLoop loop, ConnectionFactory factory, Promise<LoadResult> done) {
    this.options = options;
    this.loop = loop;
    this.factory = factory;
    this.done = done;
  }

  /** Called once on the event loop. */
  abstract void start();

  /** Starts the measured clock: returns the start time. */
  protected final long beginMeasuring() {
    long start = System.nanoTime();
    long measureFrom = start + seconds(options.warmupSeconds());
    measureEndNanos = measureFrom + seconds(options.durationSeconds());
    stats = new RunStats(measureFrom);
    return start;
  }

  protected final long measureEndNanos() {
    return measureEndNanos;
  }

  protected final ClientConnection openConnection() {
    ClientConnection connection = factory.open(this);
    live.add(connection);
    peakConnections = Math.max(peakConnections, live.size());
    return connection;
  }

  protected final int liveConnections() {
    return live.size();
  }

  /** Counts a request as sent; its latency will count from {@code intendedNanos}. */
  protected final void markSent(long intendedNanos) {
    issued++;
    stats.onSent(intendedNanos);
  }

  @Override
  public final void onResponse(ClientConnection connection, long intendedNanos, int status) {
    completed++;
    stats.onResponse(intendedNanos, status, System.nanoTime());
    finishIfDrained();
  }

  @Override
  public final void onError(ClientConnection connection, long intendedNanos, String reason) {
    completed++;
    stats.onError(intendedNanos, reason, System.nanoTime());
    finishIfDrained();
  }

  @Override
  public final void onClosed(ClientConnection connection) {
    live.remove(connection);
    if (!finished) {
      connectionLost(connection);
    }
  }

  /** A connection went away during the run; the driver may replace it. */
  protected abstract void connectionLost(ClientConnection connection);

  /** Requests the driver accepted but never handed to a connection; failed when the run ends. */
  protected void failUndispatched() {}

  /** No new requests from now on; the run ends when all are answered or the drain expires. */
  protected final void stopSending() {
    sendingDone = true;
    loop.schedule(this::finish, seconds(options.drainTimeoutSeconds()), TimeUnit.NANOSECONDS);
    finishIfDrained();
  }

  private void finishIfDrained() {
    if (sendingDone && completed == issued) {
      finish();
    }
  }

  /** Ends the run at once, counting every unanswered request as an error. Idempotent. */
  final void finish() {
    if (finished) {
      return;
    }
    finished = true;
    if (stats == null) {
      beginMeasuring(); // finished before the load even started: report an empty run
    }
    failUndispatched();
    for (ClientConnection connection : List.copyOf(live)) {
      connection.abort("unanswered at drain timeout");
    }
    done.trySuccess(stats.result(options, measureEndNanos, peakConnections));
  }

  protected static long seconds(double seconds) {
    return (long) (seconds * TimeUnit.SECONDS.toNanos(1));
  }
}
