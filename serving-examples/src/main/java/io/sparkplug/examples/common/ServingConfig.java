package io.sparkplug.examples.common;

import io.sparkplug.http.SparkPlugHttp;
import org.apache.spark.sql.streaming.Trigger;

/**
 * Where and how a service serves; the same variables for every example.
 *
 * @param master Spark master; blank leaves it to {@code spark-submit} (or {@code local[*]} when the
 *     job is started with plain {@code java})
 * @param port the port of the {@code sparkplug-http} source (in executor mode, the first of a
 *     range)
 * @param lastPort the last port of the range executor servers choose from; {@code port} otherwise
 * @param mode the source's {@code mode}: {@code driver} (one server on the driver) or {@code
 *     executor} (one server per executor, behind a load balancer)
 * @param host address to bind; blank keeps the connector's default (loopback for a local master)
 * @param controlPort the driver's internal port (the connector's {@code controlPort}: reply
 *     forwarding and the {@code /-/servers} directory); 0 for any free port
 * @param checkpoint checkpoint location of the serving query; blank for a fresh temporary folder
 * @param trigger {@code realtime} (Spark's real-time mode, the default: replies in well under a
 *     millisecond) or {@code microbatch} (for plans real-time mode cannot run)
 */
public record ServingConfig(
    String master,
    int port,
    int lastPort,
    String mode,
    String host,
    int controlPort,
    String checkpoint,
    String trigger) {
  public static final String REAL_TIME = "realtime";
  public static final String MICRO_BATCH = "microbatch";

  /**
   * {@code SPARKPLUG_MASTER}, {@code SPARKPLUG_PORT} (in executor mode also a range such as {@code
   * 9090-9099}, as the sparkplug CLI and the containers pass it), {@code SPARKPLUG_MODE}, {@code
   * SPARKPLUG_HOST}, {@code SPARKPLUG_CONTROL_PORT}, {@code SPARKPLUG_CHECKPOINT}, {@code
   * SPARKPLUG_TRIGGER} (else the system property {@code trigger}, as {@code mvn -Pserve
   * -Dtrigger=microbatch} passes it; default {@code realtime}).
   */
  public static ServingConfig fromEnv(Env env) {
    String mode = env.choice("SPARKPLUG_MODE", "driver", "driver", "executor");
    int[] ports = env.ports("SPARKPLUG_PORT", 8080, "executor".equals(mode));
    return new ServingConfig(
        env.string("SPARKPLUG_MASTER", ""),
        ports[0],
        ports[1],
        mode,
        env.string("SPARKPLUG_HOST", ""),
        env.integer("SPARKPLUG_CONTROL_PORT", 0, 0, 65535),
        env.string("SPARKPLUG_CHECKPOINT", ""),
        env.choice(
            "SPARKPLUG_TRIGGER",
            System.getProperty("trigger", "").isBlank()
                ? REAL_TIME
                : System.getProperty("trigger").trim(),
            REAL_TIME,
            MICRO_BATCH));
  }

  public boolean realTime() {
    return REAL_TIME.equals(trigger);
  }

  /** Spark's trigger for {@link #trigger}: real-time batches, or micro-batches back to back. */
  public Trigger sparkTrigger() {
    return SparkPlugHttp.trigger(trigger);
  }

  public boolean executorMode() {
    return "executor".equals(mode);
  }

  /**
   * Where clients reach {@code path}: a URL on this machine in driver mode; in executor mode, every
   * executor's host, behind the load balancer in front of them.
   */
  public String describe(String path) {
    return executorMode()
        ? path + " on every executor, port " + portOption() + ", behind your load balancer"
        : "at http://127.0.0.1:" + port + path;
  }

  /** The source's {@code port} option: the port, or the range {@code port-lastPort}. */
  public String portOption() {
    return port == lastPort ? Integer.toString(port) : port + "-" + lastPort;
  }
}
