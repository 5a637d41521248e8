package io.sparkplug.http.source;

import java.io.IOException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;

/**
 * A partition of either mode that knows its reader: {@link HttpPartitionReaderFactory} asks the
 * partition, so a new kind of partition brings its reader with it.
 */
public interface ReadablePartition extends InputPartition {
  /** Runs in the task, on the executor the partition was placed on (or wherever Spark ran it). */
  PartitionReader<InternalRow> createReader() throws IOException;
}
