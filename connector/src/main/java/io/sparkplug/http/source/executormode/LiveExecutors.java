package io.sparkplug.http.source.executormode;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The executors Spark can place this source's tasks on, and how to name one in {@code
 * preferredLocations()}. Not thread-safe: the stream calls it under its own lock.
 *
 * <p>The list comes from Spark's status store, which Spark declares {@code private[spark]}: it is
 * read here and nowhere else. A {@code SparkListener} would use public API, but Spark tells a
 * listener only of executors that join after it was added, and no public call lists the executors
 * (with their ids) that joined before, as they all have when a query starts late.
 */
final class LiveExecutors {
  private static final long LIST_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  /** A live executor: where Spark can place a task. */
  record Executor(String id, String host) {}

  private final SparkContext spark;
  private final boolean localMaster;
  private List<Executor> executors = List.of();
  private long readNanos;

  LiveExecutors(SparkContext spark) {
    this.spark = spark;
    this.localMaster = spark.isLocal();
  }

  /** A {@code local} master: the one "executor" is the driver's JVM. */
  boolean localMaster() {
    return localMaster;
  }

  /** Where a task runs on executor {@code executorId}; anywhere for a local master. */
  String[] locations(String executorId, String host) {
    return localMaster ? new String[0] : new String[] {"executor_" + host + "_" + executorId};
  }

  /** The live executors, read at most twice a second. */
  List<Executor> list() {
    long now = System.nanoTime();
    if (readNanos != 0 && now - readNanos < LIST_NANOS) {
      return executors;
    }
    readNanos = now;
    if (localMaster) {
      executors = List.of(new Executor("driver", "127.0.0.1"));
      return executors;
    }
    List<Executor> live = new ArrayList<>();
    for (var summary : CollectionConverters.asJava(spark.statusStore().executorList(true))) {
      if (!summary.isActive() || "driver".equals(summary.id())) {
        continue;
      }
      String hostPort = summary.hostPort();
      int colon = hostPort.lastIndexOf(':');
      live.add(new Executor(summary.id(), colon > 0 ? hostPort.substring(0, colon) : hostPort));
    }
    executors = live;
    return executors;
  }
}
