package io.sparkplug.http.source.drivermode;

import io.sparkplug.http.cluster.JvmAddress;
import io.sparkplug.http.source.ReadablePartition;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.PartitionReader;

/**
 * One long-running real-time reader of a driver-mode service's requests, from {@code startOffset}
 * on. {@code driver} is the driver's internal endpoint: a reader in another JVM takes requests
 * through it, and replies computed there go back through it. {@code endEarlyMillis} is non-zero in
 * a warm-up batch (source option {@code warmUpBatchTime}).
 */
record DriverRealTimePartition(
    String instance, long startOffset, JvmAddress driver, long endEarlyMillis)
    implements ReadablePartition {
  @Override
  public PartitionReader<InternalRow> createReader() {
    return new DriverRealTimeReader(this);
  }
}
