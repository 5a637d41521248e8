package io.sparkplug.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpResponseDecoder;
import java.net.InetSocketAddress;

/** Opens {@link ClientConnection}s to the target, all on the generator's single event loop. */
final class ConnectionFactory {
  private final Bootstrap bootstrap;
  private final InetSocketAddress target;
  private final RequestTemplate template;
  private final long timeoutMillis;

  /** Resolves the target once; an unresolvable host then shows up as connect errors. */
  ConnectionFactory(EventLoop loop, LoadOptions options, RequestTemplate template) {
    this.template = template;
    this.timeoutMillis = options.timeoutMillis();
    this.target = new InetSocketAddress(options.host(), options.port());
    this.bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeoutMillis, 60_000L));
  }

  /**
   * Starts connecting. Netty completes the connect in a later event-loop task, so the caller can
   * register the connection and assign it a request before any callback fires.
   */
  ClientConnection open(ClientConnection.Listener listener) {
    ClientConnection connection = new ClientConnection(listener, template, timeoutMillis);
    Bootstrap perConnection =
        bootstrap
            .clone()
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    // Only the response side needs decoding: requests go out pre-encoded.
                    ch.pipeline().addLast(new HttpResponseDecoder(), connection);
                  }
                });
    connection.attach(perConnection.connect(target));
    return connection;
  }
}
