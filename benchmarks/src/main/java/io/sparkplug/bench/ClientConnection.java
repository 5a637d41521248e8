package io.sparkplug.bench;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One keep-alive connection carrying at most one request at a time (no pipelining, so a slow reply
 * is never hidden behind a queued one). All methods run on the generator's event loop, hence no
 * locking. The connection reports each request exactly once: a response or an error.
 */
final class ClientConnection extends SimpleChannelInboundHandler<HttpObject> {

  /** Callbacks to the driver, invoked on the event loop. */
  interface Listener {
    void onResponse(ClientConnection connection, long intendedNanos, int status);

    void onError(ClientConnection connection, long intendedNanos, String reason);

    /** The connection is open and free for the next request. */
    void onIdle(ClientConnection connection);

    /** The connection is gone for good; any request it carried has been reported already. */
    void onClosed(ClientConnection connection);
  }

  private final Listener listener;
  private final RequestTemplate template;
  private final long timeoutMillis;
  private Channel channel;
  private ChannelFuture connectFuture;
  private boolean connected;
  private boolean closed;
  private boolean busy;
  private long intendedNanos;
  private int status;
  private boolean keepAlive;
  private ScheduledFuture<?> timeout;

  ClientConnection(Listener listener, RequestTemplate template, long timeoutMillis) {
    this.listener = listener;
    this.template = template;
    this.timeoutMillis = timeoutMillis;
  }

  void attach(ChannelFuture connectFuture) {
    this.connectFuture = connectFuture;
    channel = connectFuture.channel();
    connectFuture.addListener(
        (ChannelFutureListener)
            f -> {
              if (!f.isSuccess()) {
                closeWith(describe(f.cause()));
              } else if (!closed) {
                connected = true;
                if (busy) {
                  write();
                } else {
                  listener.onIdle(this);
                }
              }
            });
  }

  /** Completes once the connect attempt has succeeded or failed and this handler has reacted. */
  ChannelFuture connectFuture() {
    return connectFuture;
  }

  boolean wasConnected() {
    return connected;
  }

  /**
   * Gives this free connection a request whose latency counts from {@code intendedNanos}. While
   * still connecting, the request is written as soon as the connection is up; the timeout covers
   * the connect as well.
   */
  void assign(long intendedNanos) {
    if (busy || closed) {
      throw new IllegalStateException("connection cannot take a request now");
    }
    busy = true;
    this.intendedNanos = intendedNanos;
    status = 0;
    timeout =
        channel
            .eventLoop()
            .schedule(() -> closeWith("timeout"), timeoutMillis, TimeUnit.MILLISECONDS);
    if (connected) {
      write();
    }
  }

  /** Closes the connection; a request still in flight is reported as an error with the reason. */
  void abort(String reason) {
    closeWith(reason);
  }

  private void write() {
    // A failed write surfaces through exceptionCaught, so no per-write listener is allocated.
    channel
        .writeAndFlush(template.newSend())
        .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
    if (!busy) {
      closeWith("unsolicited response");
      return;
    }
    if (msg.decoderResult().isFailure()) {
      closeWith("malformed response: " + msg.decoderResult().cause());
      return;
    }
    if (msg instanceof HttpResponse response) {
      status = response.status().code();
      keepAlive = HttpUtil.isKeepAlive(response);
    }
    if (msg instanceof LastHttpContent) {
      complete();
    }
  }

  private void complete() {
    busy = false;
    timeout.cancel(false);
    if (!keepAlive) {
      // Mark closed first so the listener does not hand out a connection the server is dropping.
      closed = true;
    }
    listener.onResponse(this, intendedNanos, status);
    if (keepAlive) {
      listener.onIdle(this);
    } else {
      channel.close();
      listener.onClosed(this);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closeWith("connection closed by server");
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    closeWith(describe(cause));
  }

  private void closeWith(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    if (busy) {
      busy = false;
      timeout.cancel(false);
      listener.onError(this, intendedNanos, reason);
    }
    channel.close();
    listener.onClosed(this);
  }

  private static String describe(Throwable cause) {
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    // The message ("Connection refused", "Connection reset") reads better than Netty's wrappers.
    String message = root.getMessage();
    return message == null || message.isBlank() ? root.getClass().getSimpleName() : message;
  }
}
