package io.sparkplug.http.source;

import io.sparkplug.http.cluster.Routes;
import io.sparkplug.http.server.RequestRecord;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;

/** Creates the readers that turn requests into rows, for micro-batches and real-time mode. */
final class HttpPartitionReaderFactory implements PartitionReaderFactory {
  private static final long serialVersionUID = 1L;

  @Override
  public PartitionReader<InternalRow> createReader(InputPartition partition) {
    try {
      if (partition instanceof HttpRealTimePartition realTime) {
        return new HttpRealTimeReader(realTime);
      } else if (partition instanceof ExecutorRealTimePartition realTime) {
        return new ExecutorRealTimeReader(realTime);
      } else if (partition instanceof ExecutorReadPartition read) {
        return new HttpPartitionReader(ExecutorReads.read(read));
      } else if (partition instanceof ExecutorBootstrapPartition bootstrap) {
        ExecutorServers.ensure(bootstrap.context());
        return new HttpPartitionReader(new RequestRecord[0]);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    HttpInputPartition slice = (HttpInputPartition) partition;
    if (LocalRequestLogs.findOrNull(slice.instance()) == null) {
      // A JVM other than the driver's: replies written here go back through the driver's route.
      Routes.learn(slice.instance(), slice.driver());
    }
    return new HttpPartitionReader(slice.records());
  }
}
