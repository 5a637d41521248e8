package io.sparkplug.http.source.drivermode;

import io.sparkplug.http.cluster.JvmAddress;
import io.sparkplug.http.cluster.JvmAddresses;
import io.sparkplug.http.server.RequestRecord;
import io.sparkplug.http.source.MicroBatchPartitionReader;
import io.sparkplug.http.source.ReadablePartition;
import io.sparkplug.http.source.ServingInstance;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.PartitionReader;

/**
 * A slice of one micro-batch's requests, shipped to the executor that reads it, with the address
 * back to the driver that holds their clients: a reply written in that JVM by any writer (the sink,
 * or a {@code foreach} writer inside {@code foreachBatch}) can then be forwarded.
 */
final class DriverInputPartition implements ReadablePartition {
  private static final long serialVersionUID = 1L;

  private final RequestRecord[] records;
  private final String instance;
  private final JvmAddress driver;

  DriverInputPartition(RequestRecord[] records, String instance, JvmAddress driver) {
    this.records = records;
    this.instance = instance;
    this.driver = driver;
  }

  @Override
  public PartitionReader<InternalRow> createReader() {
    if (ServingInstance.findLocal(instance) == null) {
      // A JVM other than the driver's: replies written here go back through the driver's address.
      JvmAddresses.learn(instance, driver);
    }
    return new MicroBatchPartitionReader(records);
  }
}
