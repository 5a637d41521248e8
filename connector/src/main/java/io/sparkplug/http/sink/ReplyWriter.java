package io.sparkplug.http.sink;

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
  private transient ReplyRows rows;

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
    if (rows == null) {
      rows = new ReplyRows(ReplySchema.of(row.schema()), userContentType);
    }
    String id = rows.id(row);
    if (id == null) {
      return;
    }
    // Real-time plans have no shuffle, so this JVM read the request and learnt its address.
    ReplySender.send(id, rows.reply(row), Map.of());
  }

  @Override
  public void close(Throwable error) {}
}
