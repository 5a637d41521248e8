package io.sparkplug.http.server;

/** Questions the sink asks, at query start, about the services running in this JVM. */
public final class LocalServices {
  private LocalServices() {}

  /** True when a service answers {@code path} on {@code port} here; a null path means any. */
  public static boolean serves(int port, String path) {
    return ServerRegistry.serves(port, path);
  }

  /** True when any sparkplug-http service runs in this JVM. */
  public static boolean anyRunning() {
    return ServerRegistry.anyService();
  }
}
