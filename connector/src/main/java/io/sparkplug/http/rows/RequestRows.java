package io.sparkplug.http.rows;

import io.sparkplug.http.server.RequestRecord;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * A request as the row {@link RequestSchema} describes, for every reader of both modes. A typed
 * request's {@code request} column is the {@link UnsafeRow} the server built when it validated the
 * body ({@link JsonRequests}): the reader wraps those bytes and parses nothing.
 */
public final class RequestRows {
  private static final ArrayBasedMapData EMPTY =
      new ArrayBasedMapData(
          new GenericArrayData(new Object[0]), new GenericArrayData(new Object[0]));

  private RequestRows() {}

  public static InternalRow toRow(RequestRecord record) {
    byte[] request = record.request();
    Object[] values = new Object[request == null ? 8 : 9];
    values[0] = UTF8String.fromString(record.id());
    values[1] = UTF8String.fromString(record.method());
    values[2] = UTF8String.fromString(record.path());
    values[3] = UTF8String.fromString(record.query());
    values[4] = new ArrayBasedMapData(utf8(record.headerNames()), utf8(record.headerValues()));
    values[5] = record.body();
    values[6] = record.receivedAtMicros();
    values[7] = params(record);
    if (request != null) {
      // The typed body, converted once on the server thread: only wrapped here.
      UnsafeRow typed = new UnsafeRow(record.requestFields());
      typed.pointTo(request, request.length);
      values[8] = typed;
    }
    return new GenericInternalRow(values);
  }

  private static ArrayBasedMapData params(RequestRecord record) {
    return record.paramNames().length == 0
        ? EMPTY
        : new ArrayBasedMapData(utf8(record.paramNames()), utf8(record.paramValues()));
  }

  private static GenericArrayData utf8(String[] values) {
    Object[] converted = new Object[values.length];
    for (int i = 0; i < values.length; i++) {
      converted[i] = UTF8String.fromString(values[i]);
    }
    return new GenericArrayData(converted);
  }
}
