package io.sparkplug.http.source;

import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * Stops a serving query between two batches instead of in the middle of one.
 *
 * <p>{@code StreamingQuery.stop()} cancels the batch that is running; in real-time mode one always
 * is, and Spark logs the cancelled write at ERROR ("Data source write support ... is aborting",
 * "Aborting task"). A boundary stop first finishes every source of the query: its servers stop
 * accepting (new requests get 503), readers hand on what was already accepted and then end their
 * tasks early, so the running batch completes and commits normally. When the query next asks a
 * source for work, the source parks its thread instead of planning a batch; only then is the query
 * stopped, and Spark sees an interrupted wait, which it treats as a normal stop.
 *
 * <p>Each source enlists under its query's id the first time the query's thread calls it.
 */
public final class BoundaryStop {
  private static final Logger LOG = LoggerFactory.getLogger(BoundaryStop.class);

  /** Spark's local property naming the streaming query whose thread this is. */
  private static final String QUERY_ID_PROPERTY = "sql.streaming.queryId";

  /** A parked source that nobody stops goes back to work after this long. */
  private static final long PARK_LIMIT_MS = TimeUnit.MINUTES.toMillis(2);

  private static final Map<String, List<BoundaryStop>> BY_QUERY = new ConcurrentHashMap<>();

  private final Runnable finish;
  private final Object monitor = new Object();
  private volatile String queryId;
  private volatile boolean finishing;
  private volatile boolean parked;

  /** {@code finish} makes the source stop accepting and lets its readers end early. */
  public BoundaryStop(Runnable finish) {
    this.finish = finish;
  }

  /**
   * Called on the query's thread whenever it asks the source for work: enlists the source, and,
   * once a stop has begun, parks the thread until the query is stopped.
   *
   * @param idle whether the source has nothing left to hand on (parking waits for that); asked only
   *     once a stop has begun
   */
  public void checkpoint(BooleanSupplier idle) {
    if (queryId == null) {
      Option<SparkSession> session = SparkSession.getActiveSession();
      String id =
          session.isDefined()
              ? session.get().sparkContext().getLocalProperty(QUERY_ID_PROPERTY)
              : null;
      if (id != null) {
        queryId = id;
        BY_QUERY.computeIfAbsent(id, key -> new CopyOnWriteArrayList<>()).add(this);
      }
    }
    if (!finishing || !idle.getAsBoolean()) {
      return;
    }
    long deadline = System.currentTimeMillis() + PARK_LIMIT_MS;
    synchronized (monitor) {
      parked = true;
      monitor.notifyAll();
      try {
        long left;
        while (finishing && (left = deadline - System.currentTimeMillis()) > 0) {
          monitor.wait(left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        // Spark recognises an interrupted I/O wait on its thread as the query being stopped.
        throw new UncheckedIOException(
            new InterruptedIOException("sparkplug-http: query stopped at a batch boundary"));
      } finally {
        parked = false;
      }
    }
    LOG.warn(
        "sparkplug-http: query {} finished its sources but was not stopped within {} ms",
        queryId,
        PARK_LIMIT_MS);
  }

  /** The source is stopping for good: it no longer takes part in boundary stops. */
  public void forget() {
    String id = queryId;
    if (id != null) {
      BY_QUERY.computeIfPresent(
          id,
          (key, list) -> {
            list.remove(this);
            return list.isEmpty() ? null : list;
          });
    }
  }

  private boolean awaitParked(long deadlineNanos) throws InterruptedException {
    synchronized (monitor) {
      long left;
      while (!parked && (left = deadlineNanos - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(monitor, left);
      }
      return parked;
    }
  }

  /**
   * Finishes every source of query {@code queryId} and waits, up to {@code timeout}, until each has
   * parked its query between two batches.
   *
   * @return true when every source parked (the query can now stop cleanly); false when the query
   *     has no enlisted source or the timeout passed
   */
  public static boolean finishAndAwaitBoundary(String queryId, Duration timeout)
      throws InterruptedException {
    List<BoundaryStop> sources = BY_QUERY.get(queryId);
    if (sources == null || sources.isEmpty()) {
      return false;
    }
    for (BoundaryStop source : sources) {
      if (!source.finishing) {
        source.finishing = true;
        source.finish.run();
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (BoundaryStop source : sources) {
      if (!source.awaitParked(deadline)) {
        return false;
      }
    }
    return true;
  }
}
