package io.sparkplug.http.source.drivermode;

import io.sparkplug.http.cluster.JvmAddresses;
import io.sparkplug.http.source.RealTimeReader;
import io.sparkplug.http.source.RequestLog;
import io.sparkplug.http.source.ServingInstance;
import java.io.IOException;
import org.apache.spark.sql.connector.read.streaming.PartitionOffset;

/**
 * A real-time reader in driver mode: blocks on the service's request log and hands each request on
 * the moment it arrives. Readers of one service share the log, so each request goes to exactly one
 * of them. On a cluster the log is in the driver and the reader takes from it over the driver's
 * internal endpoint.
 */
final class DriverRealTimeReader extends RealTimeReader {
  private final RequestLog log;
  private final RemoteTakes remote;

  DriverRealTimeReader(DriverRealTimePartition partition) {
    super(partition.startOffset(), partition.endEarlyMillis());
    ServingInstance local = ServingInstance.findLocal(partition.instance());
    this.log = local == null ? null : local.log();
    // Not in the driver's JVM (a cluster): take requests over the driver's internal endpoint, and
    // let this JVM's reply writers send the replies back there.
    this.remote = log == null ? new RemoteTakes(partition.driver()) : null;
    if (remote != null) {
      JvmAddresses.learn(partition.instance(), partition.driver());
    }
  }

  @Override
  protected RequestLog.Taken take(long timeoutNanos) throws IOException, InterruptedException {
    return log != null ? log.take(timeoutNanos) : remote.take(timeoutNanos);
  }

  @Override
  public PartitionOffset getOffset() {
    return new DriverPartitionOffset(offset);
  }
}
