package io.sparkplug.http.source.executormode;

import io.sparkplug.http.cluster.JvmAddress;
import io.sparkplug.http.executor.ExecutorReads;
import io.sparkplug.http.executor.SourceContext;
import io.sparkplug.http.source.MicroBatchPartitionReader;
import io.sparkplug.http.source.ReadablePartition;
import java.io.IOException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.PartitionReader;

/**
 * One executor server's requests in {@code (from, to]} for a micro-batch, placed on that executor.
 * Should Spark run it elsewhere, the reader fetches the range from the owner's internal endpoint.
 */
record ExecutorReadPartition(
    SourceContext context,
    String instance,
    JvmAddress owner,
    long from,
    long to,
    String executorId,
    String[] locations)
    implements ReadablePartition {
  /**
   * The owner's executor, unless Spark has removed it since the batch was planned: then anywhere at
   * once, and the reader finds the owner unreachable. Called on the driver each time Spark submits
   * the partition's task, a retry or a later job of the same batch included.
   */
  @Override
  public String[] preferredLocations() {
    return RemovedExecutors.removed(executorId) ? new String[0] : locations;
  }

  @Override
  public PartitionReader<InternalRow> createReader() throws IOException {
    ExecutorReads.Range range = ExecutorReads.read(context, instance, owner, from, to);
    return new MicroBatchPartitionReader(range.records(), range.fetched());
  }
}
