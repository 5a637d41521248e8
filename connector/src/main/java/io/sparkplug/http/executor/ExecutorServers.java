package io.sparkplug.http.executor;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** The executor servers of this JVM, one per running executor-mode source. */
public final class ExecutorServers {
  private static final ConcurrentHashMap<String, ExecutorServer> SERVERS =
      new ConcurrentHashMap<>();

  private ExecutorServers() {}

  /** This JVM's server for the source, started by the first task that needs it. */
  public static ExecutorServer ensure(SourceContext context) {
    return SERVERS.compute(
        context.key(),
        (key, running) ->
            running != null && !running.isClosed() ? running : ExecutorServer.start(context));
  }

  /** The servers running in this JVM now. */
  static List<ExecutorServer> running() {
    return List.copyOf(SERVERS.values());
  }

  static void forget(String key, ExecutorServer server) {
    SERVERS.remove(key, server);
  }
}
