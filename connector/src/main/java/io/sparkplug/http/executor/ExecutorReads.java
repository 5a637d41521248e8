package io.sparkplug.http.executor;

import io.sparkplug.http.cluster.ControlClient;
import io.sparkplug.http.cluster.InternalPaths;
import io.sparkplug.http.cluster.JvmAddress;
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
public final class ExecutorReads {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorReads.class);

  private ExecutorReads() {}

  /**
   * A range's records, and whether they were fetched from the owner's internal endpoint (the {@code
   * requestsFetched} metric) rather than read from this JVM's log.
   */
  public record Range(RequestRecord[] records, boolean fetched) {}

  /**
   * The records of server {@code instance} in {@code (from, to]}, read here when this JVM runs that
   * server, else fetched from its {@code owner}.
   */
  public static Range read(
      SourceContext context, String instance, JvmAddress owner, long from, long to)
      throws IOException {
    ExecutorServer local = ExecutorServers.ensure(context);
    if (local.instance().equals(instance)) {
      return new Range(local.read(from, to).toArray(new RequestRecord[0]), false);
    }
    return new Range(fetch(instance, owner, from, to).toArray(new RequestRecord[0]), true);
  }

  /**
   * The task ran away from the owner (Spark's locality wait ran out): fetch the range. An owner
   * that cannot be reached took its clients' connections with it, so nothing is lost by reading
   * none.
   */
  private static List<RequestRecord> fetch(String instance, JvmAddress owner, long from, long to)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(16);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeLong(from);
      out.writeLong(to);
    }
    try {
      HttpResponse<byte[]> response =
          ControlClient.post(owner, InternalPaths.READ, bytes.toByteArray(), Duration.ofSeconds(30))
              .get(35, TimeUnit.SECONDS);
      if (response.statusCode() == 200) {
        return Wire.decodeRecords(response.body());
      }
      LOG.warn(
          "sparkplug-http: server {} at {} answered {} to a read; its requests are skipped",
          instance,
          owner,
          response.statusCode());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("sparkplug-http: interrupted while reading requests", e);
    } catch (Exception e) {
      LOG.warn(
          "sparkplug-http: server {} at {} is unreachable ({}); its {} unread requests are lost"
              + " with it",
          instance,
          owner,
          e.toString(),
          to - from);
    }
    return List.of();
  }
}
