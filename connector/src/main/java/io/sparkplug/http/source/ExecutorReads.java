package io.sparkplug.http.source;

import io.sparkplug.http.cluster.ControlClient;
import io.sparkplug.http.cluster.Wire;
import io.sparkplug.http.server.RequestRecord;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads a micro-batch's range of one executor server's requests, here or from its owner. */
final class ExecutorReads {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorReads.class);

  private ExecutorReads() {}

  static RequestRecord[] read(ExecutorReadPartition partition) throws IOException {
    ExecutorServer local = ExecutorServers.ensure(partition.context());
    List<RequestRecord> records;
    if (local.instance().equals(partition.instance())) {
      records = local.read(partition.from(), partition.to());
    } else {
      records = fetch(partition);
    }
    return records.toArray(new RequestRecord[0]);
  }

  /**
   * The task ran away from the owner (Spark's locality wait ran out): fetch the range. An owner
   * that cannot be reached took its clients' connections with it, so nothing is lost by reading
   * none.
   */
  private static List<RequestRecord> fetch(ExecutorReadPartition partition) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(16);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeLong(partition.from());
      out.writeLong(partition.to());
    }
    try {
      HttpResponse<byte[]> response =
          ControlClient.post(
                  partition.owner(),
                  InternalPaths.READ,
                  bytes.toByteArray(),
                  Duration.ofSeconds(30))
              .get(35, TimeUnit.SECONDS);
      if (response.statusCode() == 200) {
        return Wire.decodeRecords(response.body());
      }
      LOG.warn(
          "sparkplug-http: server {} at {} answered {} to a read; its requests are skipped",
          partition.instance(),
          partition.owner(),
          response.statusCode());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("sparkplug-http: interrupted while reading requests", e);
    } catch (Exception e) {
      LOG.warn(
          "sparkplug-http: server {} at {} is unreachable ({}); its {} unread requests are lost"
              + " with it",
          partition.instance(),
          partition.owner(),
          e.toString(),
          partition.to() - partition.from());
    }
    return List.of();
  }
}
