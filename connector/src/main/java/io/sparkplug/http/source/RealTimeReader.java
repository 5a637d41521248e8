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
 */
public abstract class RealTimeReader implements SupportsRealTimeRead<InternalRow> {
  private static final RecordStatus NO_RECORD = RecordStatus.newStatusWithoutArrivalTime(false);

  private final ReadCounts counts = new ReadCounts(false);
  protected long offset;
  private InternalRow current;

  protected RealTimeReader(long startOffset) {
    this.offset = startOffset;
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
    RequestLog.Taken taken;
    try {
      taken = take(TimeUnit.MILLISECONDS.toNanos(timeoutMs));
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
