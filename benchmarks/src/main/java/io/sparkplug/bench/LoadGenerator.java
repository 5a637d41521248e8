package io.sparkplug.bench;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Promise;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 load generator with an open-loop mode (fixed arrival rate, latency measured from each
 * request's intended send time) and a closed-loop mode (fixed concurrency, maximum throughput).
 *
 * <p>All connections share one NIO event loop. That keeps the bookkeeping lock-free and, on small
 * machines, leaves the other cores to the server being measured.
 */
public final class LoadGenerator {
  /** Slack on top of the planned run time before the generator gives up waiting on itself. */
  private static final long WATCHDOG_SLACK_SECONDS = 15;

  private LoadGenerator() {}

  public static void main(String[] args) {
    System.exit(execute(args, System.out, System.err));
  }

  /**
   * Runs and prints: the JSON line to {@code out}, a summary to {@code err}. Returns the process
   * exit code: 0 after any run, however many requests failed, and 2 for invalid arguments.
   */
  static int execute(String[] args, PrintStream out, PrintStream err) {
    LoadResult result;
    try {
      result = run(args);
    } catch (InvalidArgumentException e) {
      err.println("invalid argument " + e.getMessage());
      err.println(LoadOptions.USAGE);
      return 2;
    }
    out.println(result.toJson());
    out.flush();
    err.println(result.summary());
    return 0;
  }

  /**
   * Parses {@code args} and runs the load to completion.
   *
   * @throws InvalidArgumentException naming the first bad argument
   */
  public static LoadResult run(String[] args) {
    return run(LoadOptions.parse(args));
  }

  static LoadResult run(LoadOptions options) {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try (RequestTemplate template = RequestTemplate.of(options)) {
      EventLoop loop = group.next();
      Promise<LoadResult> done = loop.newPromise();
      ConnectionFactory factory = new ConnectionFactory(loop, options, template);
      LoadDriver driver =
          options.mode() == LoadOptions.Mode.OPEN
              ? new OpenLoopDriver(options, loop, factory, done)
              : new ClosedLoopDriver(options, loop, factory, done);
      loop.execute(driver::start);
      double plannedSeconds =
          options.warmupSeconds() + options.durationSeconds() + options.drainTimeoutSeconds();
      long watchdogMillis = (long) (plannedSeconds * 1000) + WATCHDOG_SLACK_SECONDS * 1000;
      if (!done.awaitUninterruptibly(watchdogMillis)) {
        // The drivers end themselves; this only guards against a bug keeping a run alive forever.
        loop.execute(driver::finish);
        done.awaitUninterruptibly(5_000);
      }
      if (!done.isSuccess()) {
        throw new IllegalStateException("load run did not complete", done.cause());
      }
      return done.getNow();
    } finally {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
    }
  }
}
