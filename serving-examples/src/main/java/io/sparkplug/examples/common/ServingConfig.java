package io.sparkplug.examples.common;

/**
 * Where and how a service serves; the same variables for every example.
 *
 * @param master Spark master; blank leaves it to {@code spark-submit} (or {@code local[*]} when the
 *     job is started with plain {@code java})
 * @param port the port of the {@code sparkplug-http} source
 * @param mode the source's {@code mode}: {@code driver} (one server on the driver) or {@code
 *     executor} (one server per executor, behind a load balancer)
 * @param host address to bind; blank keeps the connector's default (loopback for a local master)
 * @param checkpoint checkpoint location of the serving query; blank for a fresh temporary folder
 */
public record ServingConfig(String master, int port, String mode, String host, String checkpoint) {

  /** {@code SPARKPLUG_MASTER}, {@code SPARKPLUG_PORT}, {@code SPARKPLUG_MODE}, ... */
  public static ServingConfig fromEnv(Env env) {
    return new ServingConfig(
        env.string("SPARKPLUG_MASTER", ""),
        env.integer("SPARKPLUG_PORT", 8080, 1, 65535),
        env.choice("SPARKPLUG_MODE", "driver", "driver", "executor"),
        env.string("SPARKPLUG_HOST", ""),
        env.string("SPARKPLUG_CHECKPOINT", ""));
  }

  public boolean executorMode() {
    return "executor".equals(mode);
  }
}
