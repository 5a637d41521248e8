package io.sparkplug.http.source.executormode;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;

/**
 * The executors Spark has removed from the application (lost with their machine or Worker, killed,
 * decommissioned), as its listener bus reports them; driver side only.
 *
 * <p>A read planned for a server on such an executor must not keep asking Spark for that executor:
 * Spark's delay scheduling would hold the task for {@code spark.locality.wait} at each locality
 * level (about 7 s with the defaults) before running it anywhere, and the whole micro-batch, every
 * other server's clients included, waits for it.
 */
final class RemovedExecutors extends SparkListener {
  private static final Set<String> REMOVED = ConcurrentHashMap.newKeySet();
  private static final AtomicReference<SparkContext> LISTENING = new AtomicReference<>();

  private RemovedExecutors() {}

  /** Starts listening to {@code spark}, once per SparkContext; forgets an earlier context's ids. */
  static void listen(SparkContext spark) {
    SparkContext previous = LISTENING.getAndSet(spark);
    if (previous != spark) {
      REMOVED.clear();
      spark.addSparkListener(new RemovedExecutors());
    }
  }

  static boolean removed(String executorId) {
    return REMOVED.contains(executorId);
  }

  @Override
  public void onExecutorRemoved(SparkListenerExecutorRemoved event) {
    REMOVED.add(event.executorId());
  }
}
