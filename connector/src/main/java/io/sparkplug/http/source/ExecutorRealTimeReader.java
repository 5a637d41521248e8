package io.sparkplug.http.source;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.streaming.PartitionOffset;
import org.apache.spark.sql.connector.read.streaming.SupportsRealTimeRead;

/**
 * A real-time reader in executor mode: serves the requests of the executor it runs on, the moment
 * each arrives. The first reader on an executor takes them; should Spark place a second reader of
 * the same batch there, it waits out its timeouts without reading.
 *
 * <p>Both {@code nextWithTimeout} signatures are implemented, as in {@link HttpRealTimeReader}.
 */
final class ExecutorRealTimeReader implements SupportsRealTimeRead<InternalRow> {
  private static final RecordStatus NO_RECORD = RecordStatus.newStatusWithoutArrivalTime(false);

  private final ExecutorServer server;
  private final boolean reading;
  private final ReadCounts counts = new ReadCounts();
  private long offset;
  private InternalRow current;

  ExecutorRealTimeReader(ExecutorRealTimePartition partition) {
    this.server = ExecutorServers.ensure(partition.context());
    this.reading = server.claimRealTime();
    this.offset = partition.start().getOrDefault(server.instance(), 0L);
    if (reading) {
      server.log().commit(offset);
    }
  }

  public RecordStatus nextWithTimeout(Long startTimeMs, Long timeoutMs) throws IOException {
    return nextWithTimeout(timeoutMs);
  }

  public RecordStatus nextWithTimeout(Long timeoutMs) throws IOException {
    try {
      if (!reading) {
        TimeUnit.MILLISECONDS.sleep(timeoutMs);
        return NO_RECORD;
      }
      server.reading();
      RequestLog.Taken taken = server.log().take(TimeUnit.MILLISECONDS.toNanos(timeoutMs));
      if (taken == null) {
        return NO_RECORD;
      }
      offset = taken.offset();
      counts.count(taken.record());
      current = HttpPartitionReader.toRow(taken.record());
      return RecordStatus.newStatusWithArrivalTimeMs(taken.record().receivedAtMicros() / 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("sparkplug-http real-time reader interrupted");
    }
  }

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
    return new ExecutorPartitionOffset(reading ? server.instance() : null, offset);
  }

  @Override
  public void close() {
    if (reading) {
      server.releaseRealTime();
    }
  }
}
