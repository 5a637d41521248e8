package io.sparkplug.http.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Threads shared by every server in the JVM: one acceptor, a small pool of I/O threads, and one
 * timer for request deadlines. Daemon threads, created on first use and kept for the JVM's life so
 * that queries which stop and start again do not pay for new threads.
 */
public final class NettyResources {
  private static EventLoopGroup acceptors;
  private static EventLoopGroup workers;
  private static Timer timer;

  private NettyResources() {}

  public static synchronized EventLoopGroup acceptors() {
    if (acceptors == null) {
      acceptors =
          new MultiThreadIoEventLoopGroup(
              1, new DefaultThreadFactory("sparkplug-accept", true), NioIoHandler.newFactory());
    }
    return acceptors;
  }

  public static synchronized EventLoopGroup workers() {
    if (workers == null) {
      int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
      workers =
          new MultiThreadIoEventLoopGroup(
              threads, new DefaultThreadFactory("sparkplug-io", true), NioIoHandler.newFactory());
    }
    return workers;
  }

  /** A listening socket's bootstrap on the shared threads: addresses reused, no Nagle delay. */
  public static ServerBootstrap serverBootstrap() {
    return new ServerBootstrap()
        .group(acceptors(), workers())
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true);
  }

  /** A coarse timer (10 ms ticks) that holds hundreds of thousands of deadlines cheaply. */
  public static synchronized Timer timer() {
    if (timer == null) {
      timer =
          new HashedWheelTimer(
              new DefaultThreadFactory("sparkplug-deadlines", true), 10, TimeUnit.MILLISECONDS);
    }
    return timer;
  }
}
