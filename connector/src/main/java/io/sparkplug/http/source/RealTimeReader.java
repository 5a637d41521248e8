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
 * <p>The first batches of a query run are a warm-up (source options {@code warmUpBatches} and
 * {@code warmUpBatchTime}, 30 batches of 100 ms by default): their readers end that long after they
 * start instead of at the batch deadline. Spark's boundary code is slow until the JIT has compiled
 * it: the first boundary of a JVM costs seconds, the next ones 90-120 ms, and after a few tens of
 * boundaries 40-100 ms (docs/performance.md, "The warm-up"). Running those boundaries at start-up,
 * before a client has been told the service is up, keeps them out of the loaded boundaries that
 * follow.
 */
public abstract class RealTimeReader implements SupportsRealTimeRead<InternalRow> {
  private static final RecordStatus NO_RECORD = RecordStatus.newStatusWithoutArrivalTime(false);

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
