package io.sparkplug.http.source;

import io.sparkplug.http.rows.RequestRows;
import io.sparkplug.http.server.RequestRecord;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.PartitionReader;

/** Reads the request rows of one micro-batch partition, in arrival order, in either mode. */
public final class MicroBatchPartitionReader implements PartitionReader<InternalRow> {
  private final RequestRecord[] records;
  private final ReadCounts counts;
  private int next = -1;

  public MicroBatchPartitionReader(RequestRecord[] records) {
    this(records, false);
  }

  /**
   * @param fetched the records were fetched from a server in another JVM (executor mode, a read
   *     Spark ran away from its owner)
   */
  public MicroBatchPartitionReader(RequestRecord[] records, boolean fetched) {
    this.records = records;
    this.counts = new ReadCounts(fetched);
  }

  @Override
  public boolean next() {
    if (++next < records.length) {
      counts.count(records[next]);
      return true;
    }
    return false;
  }

  @Override
  public InternalRow get() {
    return RequestRows.toRow(records[next]);
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    return counts.values();
  }

  @Override
  public void close() {}
}
