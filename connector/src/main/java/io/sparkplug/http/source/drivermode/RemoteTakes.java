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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real-time reader's view of a driver-mode log that lives in another JVM (the driver): requests
 * are taken over the driver's internal endpoint, a few at a time, the call waiting on the driver
 * until one arrives, so a request still reaches the query the moment it is accepted.
 */
final class RemoteTakes {
  private static final int BATCH = 64;

  private final JvmAddress driver;
  private final ArrayDeque<RequestLog.Taken> buffered = new ArrayDeque<>();

  RemoteTakes(JvmAddress driver) {
    this.driver = driver;
  }

  RequestLog.Taken take(long timeoutNanos) throws IOException, InterruptedException {
    if (!buffered.isEmpty()) {
      return buffered.poll();
    }
    long waitMs = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(12);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(BATCH);
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
    buffered.addAll(decode(response.body()));
    return buffered.poll();
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
