package io.sparkplug.bench;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import java.util.concurrent.TimeUnit;

/**
 * Closed loop: each connection sends its next request the moment the previous reply arrives, so the
 * offered load adapts to the server and the result is its throughput at this concurrency. Latency
 * counts from the actual send (here identical to the intended time).
 */
final class ClosedLoopDriver extends LoadDriver {
  /**
   * Pause before replacing a connection that never got established, so a refused port costs a few
   * hundred attempts per second instead of a busy loop.
   */
  private static final long RECONNECT_BACKOFF_MILLIS = 10;

  ClosedLoopDriver(
      LoadOptions options, EventLoop loop, ConnectionFactory factory, Promise<LoadResult> done) {
    super(options, loop, factory, done);
  }

  @Override
  void start() {
    long start = beginMeasuring();
    long end = start + seconds(options.warmupSeconds() + options.durationSeconds());
    loop.schedule(this::stopSending, end - System.nanoTime(), TimeUnit.NANOSECONDS);
    for (int i = 0; i < options.connections(); i++) {
      openAndSend();
    }
  }

  /** The first request rides on the connect, so a refused connect counts as a failed request. */
  private void openAndSend() {
    if (sendingDone || finished) {
      return;
    }
    send(openConnection());
  }

  private void send(ClientConnection connection) {
    long now = System.nanoTime();
    markSent(now);
    connection.assign(now);
  }

  @Override
  public void onIdle(ClientConnection connection) {
    if (sendingDone || finished) {
      connection.abort("run finished");
    } else {
      send(connection);
    }
  }

  @Override
  protected void connectionLost(ClientConnection connection) {
    if (sendingDone) {
      return;
    }
    if (connection.wasConnected()) {
      loop.execute(this::openAndSend);
    } else {
      loop.schedule(this::openAndSend, RECONNECT_BACKOFF_MILLIS, TimeUnit.MILLISECONDS);
    }
  }
}
