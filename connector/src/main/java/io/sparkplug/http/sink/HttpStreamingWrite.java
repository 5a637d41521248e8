package io.sparkplug.http.sink;

import io.sparkplug.http.cluster.JvmAddresses;
import io.sparkplug.http.config.ReplyOptions;
import io.sparkplug.http.rows.ReplySchema;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.connector.write.streaming.StreamingDataWriterFactory;
import org.apache.spark.sql.connector.write.streaming.StreamingWrite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver side of the sink. Replies leave as rows are written, so there is nothing to commit; a
 * batch's counts are only logged.
 */
final class HttpStreamingWrite implements StreamingWrite {
  private static final Logger LOG = LoggerFactory.getLogger(HttpStreamingWrite.class);

  private final ReplySchema schema;
  private final ReplyOptions options;

  HttpStreamingWrite(ReplySchema schema, ReplyOptions options) {
    this.schema = schema;
    this.options = options;
  }

  @Override
  public StreamingDataWriterFactory createStreamingWriterFactory(PhysicalWriteInfo info) {
    return new HttpDataWriterFactory(schema, options, JvmAddresses.snapshot());
  }

  @Override
  public boolean useCommitCoordinator() {
    return false;
  }

  @Override
  public void commit(long epochId, WriterCommitMessage[] messages) {
    long dropped = 0;
    long unroutable = 0;
    for (WriterCommitMessage message : messages) {
      if (message instanceof ReplyCounts counts) {
        dropped += counts.dropped();
        unroutable += counts.unroutable();
      }
    }
    if (unroutable > 0) {
      LOG.warn(
          "sparkplug-http sink: batch {} had {} replies whose id names no running service",
          epochId,
          unroutable);
    }
    if (dropped > 0) {
      LOG.debug(
          "sparkplug-http sink: batch {} dropped {} late or duplicate replies", epochId, dropped);
    }
  }

  @Override
  public void abort(long epochId, WriterCommitMessage[] messages) {
    // Replies already sent cannot be taken back; the sources answer the rest when they stop.
  }
}
