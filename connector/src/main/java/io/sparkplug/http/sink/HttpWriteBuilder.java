package io.sparkplug.http.sink;

import io.sparkplug.http.config.ReplyOptions;
import io.sparkplug.http.rows.ReplySchema;
import io.sparkplug.http.server.LocalServices;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.internal.connector.SupportsStreamingUpdateAsAppend;

/**
 * Checks the reply rows and the sink's options when the query starts. Replies are independent rows,
 * so the sink accepts update mode as append, which real-time mode requires.
 */
public final class HttpWriteBuilder implements SupportsStreamingUpdateAsAppend {
  private final ReplySchema schema;
  private final ReplyOptions options;

  public HttpWriteBuilder(LogicalWriteInfo info) {
    this.options = ReplyOptions.parse(info.options());
    this.schema = ReplySchema.of(info.schema());
    checkServiceExists(options);
    if (options.replySchema() != null) {
      // The driver's server (mode driver) publishes the shape in its /-/openapi.json.
      LocalServices.replySchema(options.port(), options.path(), options.replySchema());
    }
  }

  private static void checkServiceExists(ReplyOptions options) {
    if (options.port() > 0) {
      if (!LocalServices.serves(options.port(), options.path())) {
        throw new IllegalArgumentException(
            "sparkplug-http sink: no sparkplug-http service "
                + (options.path() == null ? "" : "for path '" + options.path() + "' ")
                + "listens on port "
                + options.port()
                + " in this application (options 'port' and 'path' of the sink)");
      }
    } else if (!LocalServices.anyRunning()) {
      throw new IllegalArgumentException(
          "sparkplug-http sink: no sparkplug-http service runs in this application; the sink"
              + " answers requests read by a sparkplug-http source");
    }
  }

  @Override
  public Write build() {
    return new HttpWrite(schema, options);
  }
}
