package io.sparkplug.http.sink;

import io.sparkplug.http.config.ReplyOptions;
import io.sparkplug.http.metrics.RepliesDelivered;
import io.sparkplug.http.metrics.RepliesDropped;
import io.sparkplug.http.metrics.RepliesUnroutable;
import io.sparkplug.http.rows.ReplySchema;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.streaming.StreamingWrite;

/** The sink's write: streaming only, with the reply counts as Spark UI metrics. */
final class HttpWrite implements Write {
  private final ReplySchema schema;
  private final ReplyOptions options;

  HttpWrite(ReplySchema schema, ReplyOptions options) {
    this.schema = schema;
    this.options = options;
  }

  @Override
  public String description() {
    return "sparkplug-http replies";
  }

  @Override
  public StreamingWrite toStreaming() {
    return new HttpStreamingWrite(schema, options);
  }

  @Override
  public CustomMetric[] supportedCustomMetrics() {
    return new CustomMetric[] {
      new RepliesDelivered(), new RepliesDropped(), new RepliesUnroutable()
    };
  }
}
