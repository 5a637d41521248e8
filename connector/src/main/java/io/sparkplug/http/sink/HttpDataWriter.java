package io.sparkplug.http.sink;

import io.sparkplug.http.metrics.RepliesDelivered;
import io.sparkplug.http.metrics.RepliesDropped;
import io.sparkplug.http.metrics.RepliesUnroutable;
import io.sparkplug.http.metrics.TaskMetric;
import io.sparkplug.http.routing.Reply;
import io.sparkplug.http.routing.ReplyRouter;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Sends each reply the moment its row is written: the client does not wait for the rest of the
 * batch. A reply for a request already answered is dropped by the service and counted here.
 */
final class HttpDataWriter implements DataWriter<InternalRow> {
  private final ReplySchema schema;
  private final String contentType;
  private long delivered;
  private long dropped;
  private long unroutable;

  HttpDataWriter(ReplySchema schema, String userContentType) {
    this.schema = schema;
    this.contentType =
        userContentType != null
            ? userContentType
            : schema.binaryBody ? Reply.OCTET_STREAM : Reply.TEXT_PLAIN;
  }

  @Override
  public void write(InternalRow row) {
    if (row.isNullAt(schema.id)) {
      unroutable++;
      return;
    }
    String id = row.getUTF8String(schema.id).toString();
    switch (ReplyRouter.deliver(id, toReply(row))) {
      case DELIVERED -> delivered++;
      case DROPPED -> dropped++;
      case UNROUTABLE -> unroutable++;
    }
  }

  private Reply toReply(InternalRow row) {
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

  private static String[] strings(ArrayData array) {
    String[] out = new String[array.numElements()];
    for (int i = 0; i < out.length; i++) {
      UTF8String value = array.isNullAt(i) ? null : array.getUTF8String(i);
      out[i] = value == null ? null : value.toString();
    }
    return out;
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    return new CustomTaskMetric[] {
      new TaskMetric(RepliesDelivered.NAME, delivered),
      new TaskMetric(RepliesDropped.NAME, dropped),
      new TaskMetric(RepliesUnroutable.NAME, unroutable)
    };
  }

  @Override
  public WriterCommitMessage commit() {
    return new ReplyCounts(delivered, dropped, unroutable);
  }

  @Override
  public void abort() {}

  @Override
  public void close() {}
}
