package io.sparkplug.http.source;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The request logs of the services running in this JVM, by service instance. Real-time readers in
 * the same JVM as their service's log read it here; others take over the internal endpoint.
 */
public final class LocalRequestLogs {
  private static final ConcurrentHashMap<String, RequestLog> LOGS = new ConcurrentHashMap<>();

  private LocalRequestLogs() {}

  public static void register(String instance, RequestLog log) {
    LOGS.put(instance, log);
  }

  public static void unregister(String instance) {
    LOGS.remove(instance);
  }

  public static RequestLog findOrNull(String instance) {
    return LOGS.get(instance);
  }
}
