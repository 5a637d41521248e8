package io.sparkplug.http.source.executormode;

import io.sparkplug.http.executor.SourceContext;
import io.sparkplug.http.source.ReadablePartition;
import java.util.Map;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.PartitionReader;

/**
 * A long-running real-time reader placed on one executor: it serves that executor's requests from
 * the positions in {@code start}. {@code endEarlyMillis} is non-zero in a warm-up batch (source
 * option {@code warmUpBatchTime}).
 */
record ExecutorRealTimePartition(
    SourceContext context, Map<String, Long> start, String[] locations, long endEarlyMillis)
    implements ReadablePartition {
  @Override
  public String[] preferredLocations() {
    return locations;
  }

  @Override
  public PartitionReader<InternalRow> createReader() {
    return new ExecutorRealTimeReader(this);
  }
}
