package io.sparkplug.http;

import io.sparkplug.http.sink.ReplyWriter;
import org.apache.spark.sql.ForeachWriter;
import org.apache.spark.sql.Row;

/** Helpers for jobs that serve with {@code sparkplug-http}. */
public final class SparkPlugHttp {
  private SparkPlugHttp() {}

  /**
   * The reply sink as a foreach writer: {@code replies.writeStream().foreach(replyWriter())}. Use
   * it in real-time mode, where Spark admits {@code foreach} sinks as they are; the {@code
   * sparkplug-http} format needs {@code spark.sql.streaming.realTimeMode.allowlistCheck=false}.
   */
  public static ForeachWriter<Row> replyWriter() {
    return new ReplyWriter(null);
  }

  /** As {@link #replyWriter()}, with the content type of replies whose headers set none. */
  public static ForeachWriter<Row> replyWriter(String contentType) {
    return new ReplyWriter(contentType);
  }
}
