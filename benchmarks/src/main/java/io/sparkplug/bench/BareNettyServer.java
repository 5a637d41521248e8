package io.sparkplug.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The ceiling: the connector's scenarios ({@code /echo}, {@code /json}) served by plain Netty with
 * no Spark in the path. Whatever sparkplug-http achieves is measured against this.
 */
public final class BareNettyServer implements AutoCloseable {
  private static final int MAX_BODY_BYTES = 1 << 20;
  private static final Set<String> KNOWN = Set.of("--host", "--port", "--threads", "--max-seconds");

  private final EventLoopGroup group;
  private final Channel serverChannel;

  private BareNettyServer(EventLoopGroup group, Channel serverChannel) {
    this.group = group;
    this.serverChannel = serverChannel;
  }

  /**
   * Binds and returns once the port accepts connections. One group of {@code threads} loops both
   * accepts and serves, so the thread count is exactly what the comparison claims.
   */
  public static BareNettyServer start(String host, int port, int threads)
      throws InterruptedException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
    BareHttpHandler handler = new BareHttpHandler();
    try {
      Channel channel =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline()
                          .addLast(new HttpServerCodec())
                          .addLast(new HttpObjectAggregator(MAX_BODY_BYTES))
                          .addLast(handler);
                    }
                  })
              .bind(host, port)
              .sync()
              .channel();
      return new BareNettyServer(group, channel);
    } catch (InterruptedException | RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  public int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /** Blocks until the server is closed or {@code seconds} have passed. */
  void awaitClose(long seconds) throws InterruptedException {
    serverChannel.closeFuture().await(seconds, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    serverChannel.close().awaitUninterruptibly(5_000);
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
  }

  /** {@code --host 127.0.0.1 --port P [--threads N] [--max-seconds S]}; prints READY port. */
  public static void main(String[] args) throws InterruptedException {
    String host;
    int port;
    int threads;
    int maxSeconds;
    try {
      Arguments a = Arguments.parse(args, KNOWN);
      host = a.string("--host").orElse("127.0.0.1");
      port = a.integer("--port", 8080, 0, 65_535);
      threads = a.integer("--threads", 2, 1, 256);
      maxSeconds = a.integer("--max-seconds", 3600, 1, Integer.MAX_VALUE);
    } catch (InvalidArgumentException e) {
      System.err.println("invalid argument " + e.getMessage());
      System.err.println(
          "usage: BareNettyServer [--host 127.0.0.1] [--port 8080] [--threads 2]"
              + " [--max-seconds 3600]");
      System.exit(2);
      return;
    }
    try (BareNettyServer server = start(host, port, threads)) {
      System.out.println("READY " + server.port());
      System.out.flush();
      // Bounded lifetime: a forgotten server stops by itself.
      server.awaitClose(maxSeconds);
      System.err.println("BareNettyServer: --max-seconds " + maxSeconds + " reached, exiting");
    }
  }
}
