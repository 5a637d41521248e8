package io.sparkplug.http.source;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The request logs of the services running in this JVM, by service instance. Real-time readers find
 * their log here: in driver mode on a {@code local} master they run in the driver's JVM.
 */
final class LocalRequestLogs {
  private static final ConcurrentHashMap<String, RequestLog> LOGS = new ConcurrentHashMap<>();

  private LocalRequestLogs() {}

  static void register(String instance, RequestLog log) {
    LOGS.put(instance, log);
  }

  static void unregister(String instance) {
    LOGS.remove(instance);
  }

  static RequestLog find(String instance) {
    RequestLog log = LOGS.get(instance);
    if (log == null) {
      throw new IllegalStateException(
          "sparkplug-http: the real-time reader runs in a JVM that does not hold service "
              + instance
              + "; in mode 'driver' real-time readers must run in the driver's JVM (a local"
              + " master)");
    }
    return log;
  }
}
