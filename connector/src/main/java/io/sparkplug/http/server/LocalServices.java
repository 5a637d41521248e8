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
   * Output tensors declared by {@code protocol=oip} sinks of this JVM, keyed as {@link
   * #REPLY_SCHEMAS}: the model metadata's {@code outputs}. Kept apart so that an OIP sink that
   * answers every service never gives a plain service's OpenAPI a reply schema.
   */
  private static final Map<String, StructType> OIP_OUTPUTS = new ConcurrentHashMap<>();

  /**
   * A sink declared the shape of its replies: the driver registers it when the query starts, each
   * executor when a reply task starts, so it reaches the server of the service in both modes.
   * {@code port} 0 and {@code path} null mean every service of this JVM.
   */
  public static void replySchema(int port, String path, StructType schema) {
    register(REPLY_SCHEMAS, port, path, schema);
  }

  /** As {@link #replySchema}, for the output tensors of a {@code protocol=oip} sink. */
  public static void oipOutputs(int port, String path, StructType schema) {
    register(OIP_OUTPUTS, port, path, schema);
  }

  private static void register(Map<String, StructType> map, int port, String path, StructType s) {
    map.put(port + " " + (path == null ? "*" : path), s);
    if (path != null) {
      // An executor-mode service binds the first free port of a range: match its path on any.
      map.put("* " + path, s);
    }
  }

  /** The reply shape declared for the service at {@code port}{@code path}, or null. */
  static StructType replySchemaFor(int port, String path) {
    return lookup(REPLY_SCHEMAS, port, path);
  }

  /** The output tensors declared for the OIP service at {@code port}{@code path}, or null. */
  static StructType oipOutputsFor(int port, String path) {
    return lookup(OIP_OUTPUTS, port, path);
  }

  private static StructType lookup(Map<String, StructType> map, int port, String path) {
    for (String key : new String[] {port + " " + path, port + " *", "* " + path, "0 *"}) {
      StructType schema = map.get(key);
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
    for (Map<String, StructType> map : java.util.List.of(REPLY_SCHEMAS, OIP_OUTPUTS)) {
      map.remove(port + " " + path);
      map.remove("* " + path);
      if (!ServerRegistry.anyService()) {
        map.clear();
      }
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
