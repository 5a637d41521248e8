package io.sparkplug.http.sink;

import io.sparkplug.http.reply.Reply;
import io.sparkplug.http.rows.ReplyRows;
import io.sparkplug.http.rows.ReplySchema;
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
  private final boolean oip;
  private transient ReplyRows rows;
  private transient scala.Function1<Object, Object> toInternal;

  /**
   * @param contentType content type of replies whose headers set none; null to follow the body
   */
  public ReplyWriter(String contentType) {
    this(contentType, false);
  }

  /**
   * @param oip true for the rows of {@code protocol=oip} (as the format sink's option): columns
   *     other than id, status, headers and error are output tensors
   */
  public ReplyWriter(String contentType, boolean oip) {
    this.userContentType = contentType;
    this.oip = oip;
  }

  @Override
  public boolean open(long partitionId, long epochId) {
    return true;
  }

  @Override
  public void process(Row row) {
    if (rows == null) {
      rows = new ReplyRows(ReplySchema.of(row.schema(), oip), userContentType);
      if (oip) {
        // The tensors are written from Spark's internal form, as the format sink does.
        // This JVM's server (where the writer runs) lists them in its model metadata.
        io.sparkplug.http.server.LocalServices.oipOutputs(
            0, null, ReplySchema.of(row.schema(), true).outputSchema());
        toInternal =
            org.apache.spark.sql.catalyst.CatalystTypeConverters.createToCatalystConverter(
                row.schema());
      }
    }
    String id = rows.id(row);
    if (id == null) {
      return;
    }
    Reply reply =
        oip
            ? rows.reply((org.apache.spark.sql.catalyst.InternalRow) toInternal.apply(row))
            : rows.reply(row);
    // Real-time plans have no shuffle, so this JVM read the request and learnt its address.
    ReplySender.send(id, reply, Map.of());
  }

  @Override
  public void close(Throwable error) {}
}
