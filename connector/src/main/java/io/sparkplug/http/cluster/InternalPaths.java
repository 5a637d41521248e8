package io.sparkplug.http.cluster;

/** The internal calls between a source's driver side and its executor servers. */
public final class InternalPaths {
  /** Executor to driver: an executor server's state (registration and heartbeat). */
  public static final String STATUS = "/-/internal/status";

  /** Any JVM to the JVM that holds a request log: the records of an offset range. */
  public static final String READ = "/-/internal/read";

  /** A real-time reader in another JVM to the driver: take the next requests of its log. */
  public static final String TAKE = "/-/internal/take";

  /** Driver to executor: a boundary stop began; accept nothing new, let readers end when idle. */
  public static final String FINISH = "/-/internal/finish";

  /** Driver to executor: the query stopped (or failed); stop serving. */
  public static final String STOP = "/-/internal/stop";

  /** Driver, open for reading: the directory of servers, as JSON. */
  public static final String SERVERS = "/-/servers";

  private InternalPaths() {}
}
