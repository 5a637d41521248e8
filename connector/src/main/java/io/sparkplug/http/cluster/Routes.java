package io.sparkplug.http.cluster;

import io.sparkplug.http.routing.RequestId;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The routes this JVM knows, by service instance: its own services' (so a snapshot taken on the
 * driver covers them), the executor servers the driver registered, and those learnt from tasks.
 */
public final class Routes {
  private static final ConcurrentHashMap<String, Route> KNOWN = new ConcurrentHashMap<>();

  private Routes() {}

  public static void learn(String instance, Route route) {
    KNOWN.put(instance, route);
  }

  public static void learnAll(Map<String, Route> routes) {
    KNOWN.putAll(routes);
  }

  public static void forget(String instance) {
    KNOWN.remove(instance);
  }

  public static Route find(String instance) {
    return KNOWN.get(instance);
  }

  /**
   * The route of the service a correlation id names: from {@code shipped} (what a batch's writer
   * factory carries) if there, else what this JVM learnt; null when neither knows it.
   */
  public static Route forId(String id, Map<String, Route> shipped) {
    String instance = RequestId.instanceOf(id);
    if (instance == null) {
      return null;
    }
    Route route = shipped.get(instance);
    return route != null ? route : KNOWN.get(instance);
  }

  /** A copy to ship with a batch's writer factory. */
  public static HashMap<String, Route> snapshot() {
    return new HashMap<>(KNOWN);
  }
}
