package io.sparkplug.http.rows;

import io.sparkplug.http.oip.OipDocuments;
import io.sparkplug.http.reply.Reply;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Reply rows as {@link Reply}s, the one conversion both writers use: the format sink sees Spark's
 * {@link InternalRow}s, the {@code foreach} writer external {@link Row}s of the same contract.
 */
public final class ReplyRows {
  private final ReplySchema schema;
  private final String contentType;

  /**
   * @param userContentType the sink's {@code contentType} option; null to follow the body type
   */
  public ReplyRows(ReplySchema schema, String userContentType) {
    this.schema = schema;
    this.contentType =
        userContentType != null
            ? userContentType
            : schema.binaryBody ? Reply.OCTET_STREAM : Reply.TEXT_PLAIN;
  }

  /** The id the reply answers, or null when the row has none. */
  public String id(InternalRow row) {
    return row.isNullAt(schema.id) ? null : row.getUTF8String(schema.id).toString();
  }

  public String id(Row row) {
    return row.isNullAt(schema.id) ? null : row.getString(schema.id);
  }

  public Reply reply(InternalRow row) {
    if (schema.outputs != null) {
      return oipReply(row);
    }
    byte[] body = null;
    if (!row.isNullAt(schema.body)) {
      body =
          schema.binaryBody
              ? row.getBinary(schema.body)
              : row.getUTF8String(schema.body).getBytes();
    }
    int status = schema.status < 0 || row.isNullAt(schema.status) ? 200 : row.getInt(schema.status);
    String[] names = null;
    String[] values = null;
    if (schema.headers >= 0 && !row.isNullAt(schema.headers)) {
      MapData map = row.getMap(schema.headers);
      names = strings(map.keyArray());
      values = strings(map.valueArray());
    }
    return new Reply(status, names, values, body, contentType, false);
  }

  public Reply reply(Row row) {
    byte[] body = null;
    if (!row.isNullAt(schema.body)) {
      body =
          schema.binaryBody
              ? (byte[]) row.get(schema.body)
              : row.getString(schema.body).getBytes(StandardCharsets.UTF_8);
    }
    int status = schema.status < 0 || row.isNullAt(schema.status) ? 200 : row.getInt(schema.status);
    String[] names = null;
    String[] values = null;
    if (schema.headers >= 0 && !row.isNullAt(schema.headers)) {
      Map<String, String> headers = row.getJavaMap(schema.headers);
      names = headers.keySet().toArray(new String[0]);
      values = headers.values().toArray(new String[0]);
    }
    return new Reply(status, names, values, body, contentType, false);
  }

  /** A {@code protocol=oip} reply: the outputs (marked for the server), or the error object. */
  private Reply oipReply(InternalRow row) {
    boolean hasStatus = schema.status >= 0 && !row.isNullAt(schema.status);
    String[] names = null;
    String[] values = null;
    if (schema.headers >= 0 && !row.isNullAt(schema.headers)) {
      MapData map = row.getMap(schema.headers);
      names = strings(map.keyArray());
      values = strings(map.valueArray());
    }
    if (schema.error >= 0 && !row.isNullAt(schema.error)) {
      Reply error =
          OipDocuments.error(
              hasStatus ? row.getInt(schema.status) : 400,
              row.getUTF8String(schema.error).toString());
      for (int i = 0; names != null && i < names.length; i++) {
        error = error.withHeader(names[i], values[i]);
      }
      return error;
    }
    return schema.outputs.reply(row, hasStatus ? row.getInt(schema.status) : 200, names, values);
  }

  private static String[] strings(ArrayData array) {
    String[] out = new String[array.numElements()];
    for (int i = 0; i < out.length; i++) {
      UTF8String value = array.isNullAt(i) ? null : array.getUTF8String(i);
      out[i] = value == null ? null : value.toString();
    }
    return out;
  }
}
