package io.sparkplug.http.cluster;

import io.sparkplug.http.reply.Reply;
import io.sparkplug.http.server.RequestRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary forms of what internal calls carry: batches of replies and ranges of request records.
 * Length-prefixed fields, so a body is read without copying it twice and strings of any size fit.
 */
public final class Wire {
  private Wire() {}

  /** One forwarded reply: the correlation id and the reply for it. */
  record Addressed(String id, Reply reply) {}

  static byte[] encodeReplies(List<Addressed> replies) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * replies.size() + 16);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(replies.size());
      for (Addressed addressed : replies) {
        Reply reply = addressed.reply();
        writeString(out, addressed.id());
        out.writeShort(reply.status());
        writeStrings(out, reply.headerNames());
        writeStrings(out, reply.headerValues());
        writeString(out, reply.defaultContentType());
        writeBytes(out, reply.body());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static List<Addressed> decodeReplies(byte[] body) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
    int count = in.readInt();
    List<Addressed> replies = new ArrayList<>(Math.min(count, 1 << 16));
    for (int i = 0; i < count; i++) {
      String id = readString(in);
      int status = in.readShort();
      String[] names = readStrings(in);
      String[] values = readStrings(in);
      String contentType = readString(in);
      byte[] payload = readBytes(in);
      replies.add(new Addressed(id, new Reply(status, names, values, payload, contentType, false)));
    }
    return replies;
  }

  public static byte[] encodeRecords(List<RequestRecord> records) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 * records.size() + 16);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(records.size());
      for (RequestRecord record : records) {
        writeString(out, record.id());
        writeString(out, record.method());
        writeString(out, record.path());
        writeString(out, record.query());
        writeStrings(out, record.headerNames());
        writeStrings(out, record.headerValues());
        writeBytes(out, record.body());
        out.writeLong(record.receivedAtMicros());
        writeStrings(out, record.paramNames());
        writeStrings(out, record.paramValues());
        writeBytes(out, record.request());
        out.writeInt(record.requestFields());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public static List<RequestRecord> decodeRecords(byte[] body) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
    int count = in.readInt();
    List<RequestRecord> records = new ArrayList<>(Math.min(count, 1 << 16));
    for (int i = 0; i < count; i++) {
      records.add(
          new RequestRecord(
              readString(in),
              readString(in),
              readString(in),
              readString(in),
              readStrings(in),
              readStrings(in),
              readBytes(in),
              in.readLong(),
              readStrings(in),
              readStrings(in),
              readBytes(in),
              in.readInt()));
    }
    return records;
  }

  private static void writeString(DataOutputStream out, String value) throws IOException {
    writeBytes(out, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
  }

  private static String readString(DataInputStream in) throws IOException {
    byte[] bytes = readBytes(in);
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
  }

  private static void writeStrings(DataOutputStream out, String[] values) throws IOException {
    out.writeInt(values == null ? -1 : values.length);
    if (values != null) {
      for (String value : values) {
        writeString(out, value);
      }
    }
  }

  private static String[] readStrings(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count < 0) {
      return null;
    }
    String[] values = new String[count];
    for (int i = 0; i < count; i++) {
      values[i] = readString(in);
    }
    return values;
  }

  private static void writeBytes(DataOutputStream out, byte[] value) throws IOException {
    out.writeInt(value == null ? -1 : value.length);
    if (value != null) {
      out.write(value);
    }
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    byte[] value = new byte[length];
    in.readFully(value);
    return value;
  }
}
