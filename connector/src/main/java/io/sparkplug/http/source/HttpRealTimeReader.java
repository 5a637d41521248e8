package io.sparkplug.http.source;

import io.sparkplug.http.cluster.Routes;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.streaming.PartitionOffset;
import org.apache.spark.sql.connector.read.streaming.SupportsRealTimeRead;

/**
 * A real-time reader: blocks on the service's request log and hands each request on the moment it
 * arrives. Readers of one service share the log, so each request goes to exactly one of them. On a
 * cluster the log is in the driver and the reader takes from it over the driver's internal
 * endpoint.
 *
 * <p>Spark 4.1 calls {@link #nextWithTimeout(Long)}, Spark 4.2 {@link #nextWithTimeout(Long,
 * Long)}; both are implemented, without {@code @Override}, so one jar runs on both lines.
 */
final class HttpRealTimeReader implements SupportsRealTimeRead<InternalRow> {
  private static final RecordStatus NO_RECORD = RecordStatus.newStatusWithoutArrivalTime(false);

  private final RequestLog log;
  private final RemoteTakes remote;
  private final ReadCounts counts = new ReadCounts();
  private long offset;
  private InternalRow current;

  HttpRealTimeReader(HttpRealTimePartition partition) {
    this.log = LocalRequestLogs.findOrNull(partition.instance());
    // Not in the driver's JVM (a cluster): take requests over the driver's internal endpoint, and
    // let this JVM's reply writers route the replies back there.
    this.remote = log == null ? new RemoteTakes(partition.driver()) : null;
    if (remote != null) {
      Routes.learn(partition.instance(), partition.driver());
    }
    this.offset = partition.startOffset();
  }

  /** Spark 4.2: {@code startTimeMs} is when Spark asked; the wait is {@code timeoutMs}. */
  public RecordStatus nextWithTimeout(Long startTimeMs, Long timeoutMs) throws IOException {
    return nextWithTimeout(timeoutMs);
  }

  /** Spark 4.1. Waits the whole timeout when nothing arrives: returning early ends the task. */
  public RecordStatus nextWithTimeout(Long timeoutMs) throws IOException {
    RequestLog.Taken taken;
    try {
      long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
      taken = log != null ? log.take(timeoutNanos) : remote.take(timeoutNanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("sparkplug-http real-time reader interrupted");
    }
    if (taken == null) {
      return NO_RECORD;
    }
    offset = taken.offset();
    counts.count(taken.record());
    current = HttpPartitionReader.toRow(taken.record());
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
  public PartitionOffset getOffset() {
    return new HttpPartitionOffset(offset);
  }

  @Override
  public void close() {}
}
