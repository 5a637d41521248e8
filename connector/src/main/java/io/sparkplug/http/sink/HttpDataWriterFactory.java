package io.sparkplug.http.sink;

import io.sparkplug.http.cluster.JvmAddress;
import io.sparkplug.http.config.ReplyOptions;
import io.sparkplug.http.rows.ReplySchema;
import io.sparkplug.http.server.LocalServices;
import java.util.HashMap;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.streaming.StreamingDataWriterFactory;
import org.apache.spark.sql.types.StructType;

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
    StructType published = options.oip() ? schema.outputSchema() : options.replySchema();
    if (published != null) {
      // An executor's server publishes the shape in its /-/openapi.json (and OIP model metadata).
      LocalServices.replySchema(options.port(), options.path(), published);
    }
    return new HttpDataWriter(schema, options.contentType(), addresses);
  }
}
