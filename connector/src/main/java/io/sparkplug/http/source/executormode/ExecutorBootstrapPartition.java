package io.sparkplug.http.source.executormode;

import io.sparkplug.http.executor.ExecutorServers;
import io.sparkplug.http.executor.SourceContext;
import io.sparkplug.http.server.RequestRecord;
import io.sparkplug.http.source.MicroBatchPartitionReader;
import io.sparkplug.http.source.ReadablePartition;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.PartitionReader;

/** An empty read placed on an executor that has no server yet: running it starts one. */
record ExecutorBootstrapPartition(SourceContext context, String[] locations)
    implements ReadablePartition {
  @Override
  public String[] preferredLocations() {
    return locations;
  }

  @Override
  public PartitionReader<InternalRow> createReader() {
    ExecutorServers.ensure(context);
    return new MicroBatchPartitionReader(new RequestRecord[0]);
  }
}
