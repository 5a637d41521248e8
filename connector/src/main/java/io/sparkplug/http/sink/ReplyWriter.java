package io.sparkplug.http.sink;

import io.sparkplug.http.cluster.ReplyForwarder;
import io.sparkplug.http.cluster.Route;
import io.sparkplug.http.cluster.Routes;
import io.sparkplug.http.routing.Reply;
import io.sparkplug.http.routing.ReplyRouter;
import io.sparkplug.http.routing.ReplyTarget;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.spark.sql.ForeachWriter;
import org.apache.spark.sql.Row;

/**
 * The sink as a {@link ForeachWriter}, for {@code writeStream().foreach(...)}: Spark admits {@code
 * foreach} in real-time mode without turning its sink allowlist off. Reply rows follow the same
 * contract as the {@code sparkplug-http} sink, checked on the first row (a foreach writer does not
 * see the schema before the query runs).
 */
public final class ReplyWriter extends ForeachWriter<Row> {
  private static final long serialVersionUID = 1L;

  private final String userContentType;
  private transient ReplySchema schema;
  private transient String contentType;

  /**
   * @param contentType content type of replies whose headers set none; null to follow the body
   */
  public ReplyWriter(String contentType) {
    this.userContentType = contentType;
  }

  @Override
  public boolean open(long partitionId, long epochId) {
    return true;
  }

  @Override
  public void process(Row row) {
    if (schema == null) {
      schema = ReplySchema.of(row.schema());
      contentType =
          userContentType != null
              ? userContentType
              : schema.binaryBody ? Reply.OCTET_STREAM : Reply.TEXT_PLAIN;
    }
    if (row.isNullAt(schema.id)) {
      return;
    }
    String id = row.getString(schema.id);
    Reply reply = toReply(row);
    if (ReplyRouter.deliver(id, reply) == ReplyTarget.Outcome.UNROUTABLE) {
      // Real-time plans have no shuffle, so this JVM read the request and learnt its route.
      Route route = Routes.forId(id, Map.of());
      if (route != null) {
        ReplyForwarder.forward(route, id, reply);
      }
    }
  }

  private Reply toReply(Row row) {
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

  @Override
  public void close(Throwable error) {}
}
