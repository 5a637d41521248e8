package io.sparkplug.http.source;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;

/** Creates the readers that turn requests into rows, for micro-batches and real-time mode. */
final class HttpPartitionReaderFactory implements PartitionReaderFactory {
  private static final long serialVersionUID = 1L;

  @Override
  public PartitionReader<InternalRow> createReader(InputPartition partition) {
    if (partition instanceof HttpRealTimePartition realTime) {
      return new HttpRealTimeReader(realTime);
    }
    return new HttpPartitionReader(((HttpInputPartition) partition).records());
  }
}
