package io.sparkplug.http.source;

import io.sparkplug.http.rows.RequestRows;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.streaming.SupportsRealTimeRead;

/**
 * What the real-time readers share: each call waits for the next request from wherever the subclass
 * takes it and turns it into a row; the offset just after it is kept for {@code getOffset()}.
 *
 * <p>Spark 4.1 calls {@link #nextWithTimeout(Long)}, Spark 4.2 {@link #nextWithTimeout(Long,
 * Long)}; both are implemented, without {@code @Override}, so one jar runs on both lines.
 *
 * <p>The first {@link #WARM_UP_BATCHES} batches of a query run are a warm-up: their readers end
 * {@link #WARM_UP_MILLIS} after they start instead of at the batch deadline. The first boundary of
 * a JVM costs 100-200 ms more than later ones (Spark's boundary code runs there for the first time:
 * classes load, nothing is compiled yet); ending the first batch early puts that boundary at
 * start-up, before a client has been told the service is up, instead of a whole batch duration
 * later under load.
 */
public abstract class RealTimeReader implements SupportsRealTimeRead<InternalRow> {
  private static final RecordStatus NO_RECORD = RecordStatus.newStatusWithoutArrivalTime(false);

  /**
   * How long the readers of a warm-up batch read before they end it; the driver JVM's system
   * property {@code sparkplug.warmUpMillis} overrides it (an experiment knob, not a source option).
   */
  public static final long WARM_UP_MILLIS = Long.getLong("sparkplug.warmUpMillis", 500);

  /**
   * How many of a query run's first real-time batches are warm-up batches; the driver JVM's system
   * property {@code sparkplug.warmUpBatches} overrides it. Measured (docs/performance.md): 30
   * batches of 100 ms bring a later 60 s boundary's pause from 120-200 ms to about 40 ms, because
   * Spark's boundary code is then compiled; the cost is a longer start-up.
   */
  public static final int WARM_UP_BATCHES = Integer.getInteger("sparkplug.warmUpBatches", 1);

  /**
   * How long the readers of the next batch read before they end it early, once {@code endedBatches}
   * real-time batches of the query run have ended: {@link #WARM_UP_MILLIS} during the warm-up, 0
   * (read until the batch deadline) after it.
   */
  public static long endEarlyMillis(int endedBatches) {
    return endedBatches < WARM_UP_BATCHES ? WARM_UP_MILLIS : 0;
  }

  private final ReadCounts counts = new ReadCounts(false);
  protected long offset;
  private InternalRow current;

  /** When this reader ends its batch early ({@link System#nanoTime()}), or 0 at the deadline. */
  private final long endsAtNanos;

  /**
   * @param endEarlyMillis for a warm-up batch, how long to read before ending it; 0 to read until
   *     the batch deadline
   */
  protected RealTimeReader(long startOffset, long endEarlyMillis) {
    this.offset = startOffset;
    this.endsAtNanos =
        endEarlyMillis > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(endEarlyMillis) : 0;
  }

  /** The next request, waiting up to {@code timeoutNanos}; null when none came. */
  protected abstract RequestLog.Taken take(long timeoutNanos)
      throws IOException, InterruptedException;

  /** Spark 4.2: {@code startTimeMs} is when Spark asked; the wait is {@code timeoutMs}. */
  public RecordStatus nextWithTimeout(Long startTimeMs, Long timeoutMs) throws IOException {
    return nextWithTimeout(timeoutMs);
  }

  /** Spark 4.1. Waits the whole timeout when nothing arrives: returning early ends the task. */
  public RecordStatus nextWithTimeout(Long timeoutMs) throws IOException {
    long waitNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    if (endsAtNanos != 0) {
      long left = endsAtNanos - System.nanoTime();
      if (left <= 0) {
        return NO_RECORD; // before the deadline: the warm-up batch ends here
      }
      waitNanos = Math.min(waitNanos, left);
    }
    RequestLog.Taken taken;
    try {
      taken = take(waitNanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("sparkplug-http real-time reader interrupted");
    }
    if (taken == null) {
      return NO_RECORD;
    }
    offset = taken.offset();
    counts.count(taken.record());
    current = RequestRows.toRow(taken.record());
    return RecordStatus.newStatusWithArrivalTimeMs(taken.record().receivedAtMicros() / 1000);
  }

  /** Not used by real-time execution; takes a request only if one is already waiting. */
  @Override
  public boolean next() throws IOException {
    return nextWithTimeout(0L).hasRecord();
  }

  @Override
  public InternalRow get() {
    return current;
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    return counts.values();
  }

  @Override
  public void close() {}
}
