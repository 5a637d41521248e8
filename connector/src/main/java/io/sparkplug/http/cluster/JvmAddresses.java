package io.sparkplug.http.cluster;

import io.sparkplug.http.reply.RequestId;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The addresses this JVM knows, by service instance: its own services' (so a snapshot taken on the
 * driver covers them), the executor servers the driver registered, and those learnt from tasks.
 */
public final class JvmAddresses {
  private static final ConcurrentHashMap<String, JvmAddress> KNOWN = new ConcurrentHashMap<>();

  private JvmAddresses() {}

  public static void learn(String instance, JvmAddress address) {
    KNOWN.put(instance, address);
  }

  public static void forget(String instance) {
    KNOWN.remove(instance);
  }

  /**
   * The address of the service a correlation id names: from {@code shipped} (what a batch's writer
   * factory carries) if there, else what this JVM learnt; null when neither knows it.
   */
  public static JvmAddress forId(String id, Map<String, JvmAddress> shipped) {
    String instance = RequestId.instanceOf(id);
    if (instance == null) {
      return null;
    }
    JvmAddress address = shipped.get(instance);
    return address != null ? address : KNOWN.get(instance);
  }

  /** A copy to ship with a batch's writer factory. */
  public static HashMap<String, JvmAddress> snapshot() {
    return new HashMap<>(KNOWN);
  }
}
