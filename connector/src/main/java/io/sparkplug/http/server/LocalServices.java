package io.sparkplug.http.server;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.sql.types.StructType;

/** Questions the sink asks, at query start, about the services of this application. */
public final class LocalServices {
  /** Executor-mode sources whose driver side runs in this JVM, as "port path". */
  private static final Set<String> EXECUTOR_SOURCES = ConcurrentHashMap.newKeySet();

  /**
   * Reply shapes declared by sinks ({@code replySchema}) of this JVM, by "port path" of the service
   * they answer; port 0 and path "*" stand for any. Read by {@code /-/openapi.json}.
   */
  private static final Map<String, StructType> REPLY_SCHEMAS = new ConcurrentHashMap<>();

  private LocalServices() {}

  /**
   * A sink declared the shape of its replies: the driver registers it when the query starts, each
   * executor when a reply task starts, so it reaches the server of the service in both modes.
   * {@code port} 0 and {@code path} null mean every service of this JVM.
   */
  public static void replySchema(int port, String path, StructType schema) {
    REPLY_SCHEMAS.put(port + " " + (path == null ? "*" : path), schema);
    if (path != null) {
      // An executor-mode service binds the first free port of a range: match its path on any.
      REPLY_SCHEMAS.put("* " + path, schema);
    }
  }

  /** The reply shape declared for the service at {@code port}{@code path}, or null. */
  static StructType replySchemaFor(int port, String path) {
    for (String key : new String[] {port + " " + path, port + " *", "* " + path, "0 *"}) {
      StructType schema = REPLY_SCHEMAS.get(key);
      if (schema != null) {
        return schema;
      }
    }
    return null;
  }

  /**
   * A service closed: forget the shapes declared for it, so a later query on the same path that
   * declares none publishes none; the sink of a query that goes on registers again.
   */
  static void serviceClosed(int port, String path) {
    REPLY_SCHEMAS.remove(port + " " + path);
    REPLY_SCHEMAS.remove("* " + path);
    if (!ServerRegistry.anyService()) {
      REPLY_SCHEMAS.clear();
    }
  }

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

  /**
   * Whether the services the sink names ({@code port}, and {@code path} unless null) speak the Open
   * Inference Protocol: TRUE or FALSE when every one of them in this JVM does or does not, null
   * when none runs in this JVM (executor mode) or they differ.
   */
  public static Boolean speaksOip(int port, String path) {
    Boolean all = null;
    for (HttpService service : ServerRegistry.services(port)) {
      if (path != null && !service.path().equals(path)) {
        continue;
      }
      boolean oip = service.options().oip();
      if (all != null && all != oip) {
        return null;
      }
      all = oip;
    }
    return all;
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
