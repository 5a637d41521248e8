package io.sparkplug.http.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;

/**
 * Creates the readers that turn requests into rows, for both modes, micro-batches and real-time
 * mode: every partition of this source is a {@link ReadablePartition} and creates its own.
 */
public final class HttpPartitionReaderFactory implements PartitionReaderFactory {
  private static final long serialVersionUID = 1L;

  @Override
  public PartitionReader<InternalRow> createReader(InputPartition partition) {
    try {
      return ((ReadablePartition) partition).createReader();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
