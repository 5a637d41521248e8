package io.sparkplug.http.sink;

import io.sparkplug.http.cluster.JvmAddress;
import io.sparkplug.http.config.ReplyOptions;
import io.sparkplug.http.rows.ReplySchema;
import io.sparkplug.http.server.LocalServices;
import java.util.HashMap;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.streaming.StreamingDataWriterFactory;

/**
 * Ships the checked reply contract to the tasks that write replies, with the addresses the driver
 * knew when the batch was planned (where each service instance's clients are connected).
 */
final class HttpDataWriterFactory implements StreamingDataWriterFactory {
  private static final long serialVersionUID = 1L;

  private final ReplySchema schema;
  private final ReplyOptions options;
  private final HashMap<String, JvmAddress> addresses;

  HttpDataWriterFactory(
      ReplySchema schema, ReplyOptions options, HashMap<String, JvmAddress> addresses) {
    this.schema = schema;
    this.options = options;
    this.addresses = addresses;
  }

  @Override
  public DataWriter<InternalRow> createWriter(int partitionId, long taskId, long epochId) {
    if (options.oip()) {
      // An executor's server lists them as its model metadata's outputs.
      LocalServices.oipOutputs(options.port(), options.path(), schema.outputSchema());
    } else if (options.replySchema() != null) {
      // An executor's server publishes the shape in its /-/openapi.json.
      LocalServices.replySchema(options.port(), options.path(), options.replySchema());
    }
    return new HttpDataWriter(schema, options.contentType(), addresses);
  }
}
