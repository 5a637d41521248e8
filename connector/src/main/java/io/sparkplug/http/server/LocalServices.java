package io.sparkplug.http.server;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Questions the sink asks, at query start, about the services of this application. */
public final class LocalServices {
  /** Executor-mode sources whose driver side runs in this JVM, as "port path". */
  private static final Set<String> EXECUTOR_SOURCES = ConcurrentHashMap.newKeySet();

  private LocalServices() {}

  /** True when a service answers {@code path} on {@code port} here; a null path means any. */
  public static boolean serves(int port, String path) {
    if (ServerRegistry.serves(port, path)) {
      return true;
    }
    for (String source : EXECUTOR_SOURCES) {
      int space = source.indexOf(' ');
      if (Integer.parseInt(source.substring(0, space)) == port
          && (path == null || source.substring(space + 1).equals(path))) {
        return true;
      }
    }
    return false;
  }

  /** True when any sparkplug-http service runs in this JVM or on this driver's executors. */
  public static boolean anyRunning() {
    return ServerRegistry.anyService() || !EXECUTOR_SOURCES.isEmpty();
  }

  /** An executor-mode source started on this driver; its servers run in the executors. */
  public static void executorSourceStarted(int port, String path) {
    EXECUTOR_SOURCES.add(port + " " + path);
  }

  public static void executorSourceStopped(int port, String path) {
    EXECUTOR_SOURCES.remove(port + " " + path);
  }
}
