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
    this.schema = ReplySchema.of(info.schema(), options.oip());
    checkServiceExists(options);
    checkProtocol(options);
    if (options.oip()) {
      // The driver's server (mode driver) lists them as its model metadata's outputs.
      LocalServices.oipOutputs(options.port(), options.path(), schema.outputSchema());
    } else if (options.replySchema() != null) {
      // The driver's server (mode driver) publishes the shape in its /-/openapi.json.
      LocalServices.replySchema(options.port(), options.path(), options.replySchema());
    }
  }

  /** A sink that names its service must speak the service's protocol (where this JVM knows it). */
  private static void checkProtocol(ReplyOptions options) {
    if (options.port() == 0) {
      return;
    }
    Boolean oip = LocalServices.speaksOip(options.port(), options.path());
    if (oip != null && oip != options.oip()) {
      throw new IllegalArgumentException(
          "sparkplug-http sink: the service on port "
              + options.port()
              + (oip
                  ? " speaks protocol=oip; give the sink the option protocol=oip too"
                  : " speaks plain HTTP; the sink's protocol=oip is only for a source with"
                      + " protocol=oip"));
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
