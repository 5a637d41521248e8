package io.sparkplug.http.source.drivermode;

import io.sparkplug.http.cluster.ControlClient;
import io.sparkplug.http.cluster.InternalPaths;
import io.sparkplug.http.cluster.JvmAddress;
import io.sparkplug.http.cluster.Wire;
import io.sparkplug.http.server.RequestRecord;
import io.sparkplug.http.source.RequestLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real-time reader's view of a driver-mode log that lives in another JVM (the driver): requests
 * are taken over the driver's internal endpoint one at a time, the call waiting on the driver until
 * one arrives, so a request still reaches the query the moment it is accepted.
 *
 * <p>One at a time, because a take is final: the driver hands the request to this reader and no
 * other. A request taken but not yet handed to Spark would be lost when the task ends, which it
 * does at the batch deadline (Spark stops asking) and when a warm-up batch ends early; until
 * 2026-12-03 takes of up to 64 lost the rest of a take at such an end, and two requests sent at
 * once to a fresh cluster could see one answered and the other time out with 504.
 */
final class RemoteTakes {
  private final JvmAddress driver;

  RemoteTakes(JvmAddress driver) {
    this.driver = driver;
  }

  RequestLog.Taken take(long timeoutNanos) throws IOException, InterruptedException {
    long waitMs = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(12);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(1);
      out.writeLong(waitMs);
    }
    HttpResponse<byte[]> response;
    try {
      response =
          ControlClient.post(
                  driver,
                  InternalPaths.TAKE,
                  bytes.toByteArray(),
                  Duration.ofMillis(waitMs + 10_000))
              .get(waitMs + 15_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("sparkplug-http: the driver's request log is unreachable", e);
    }
    if (response.statusCode() != 200) {
      throw new IOException(
          "sparkplug-http: the driver answered " + response.statusCode() + " to a take");
    }
    List<RequestLog.Taken> taken = decode(response.body());
    if (taken.size() > 1) {
      throw new IOException(
          "sparkplug-http: the driver handed " + taken.size() + " requests to a take of one");
    }
    return taken.isEmpty() ? null : taken.get(0);
  }

  static byte[] encode(List<RequestLog.Taken> taken) {
    List<RequestRecord> records = new ArrayList<>(taken.size());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 * taken.size() + 16);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(taken.size());
      for (RequestLog.Taken one : taken) {
        out.writeLong(one.offset());
        records.add(one.record());
      }
      out.write(Wire.encodeRecords(records));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static List<RequestLog.Taken> decode(byte[] body) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
    int count = in.readInt();
    long[] offsets = new long[count];
    for (int i = 0; i < count; i++) {
      offsets[i] = in.readLong();
    }
    List<RequestRecord> records = Wire.decodeRecords(in.readAllBytes());
    List<RequestLog.Taken> taken = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      taken.add(new RequestLog.Taken(records.get(i), offsets[i]));
    }
    return taken;
  }
}
