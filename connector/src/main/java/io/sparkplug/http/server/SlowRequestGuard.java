package io.sparkplug.http.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the time a client may take to send one request: the clock starts at the first byte of a
 * request and stops when the whole request has been decoded. A client that trickles bytes (a
 * slowloris) is told so with a user event, which the connection handler answers with 408.
 */
final class SlowRequestGuard extends ChannelInboundHandlerAdapter {
  /** Fired down the pipeline when a request took longer than the read timeout. */
  static final Object READ_TIMED_OUT = new Object();

  private final long timeoutMs;
  private ScheduledFuture<?> timer;

  SlowRequestGuard(long timeoutMs) {
    this.timeoutMs = timeoutMs;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (timer == null) {
      timer =
          ctx.executor()
              .schedule(
                  () -> {
                    timer = null;
                    ctx.fireUserEventTriggered(READ_TIMED_OUT);
                  },
                  timeoutMs,
                  TimeUnit.MILLISECONDS);
    }
    ctx.fireChannelRead(msg);
  }

  /** The request being read is complete: stop its clock. Called on the event loop. */
  void requestComplete() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    requestComplete();
    ctx.fireChannelInactive();
  }
}
