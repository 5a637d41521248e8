package io.sparkplug.http.sink;

import io.sparkplug.http.config.ReplyOptions;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.streaming.StreamingDataWriterFactory;

/** Ships the checked reply contract to the tasks that write replies. */
final class HttpDataWriterFactory implements StreamingDataWriterFactory {
  private static final long serialVersionUID = 1L;

  private final ReplySchema schema;
  private final ReplyOptions options;

  HttpDataWriterFactory(ReplySchema schema, ReplyOptions options) {
    this.schema = schema;
    this.options = options;
  }

  @Override
  public DataWriter<InternalRow> createWriter(int partitionId, long taskId, long epochId) {
    return new HttpDataWriter(schema, options.contentType());
  }
}
