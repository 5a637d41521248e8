package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.awaitility.Awaitility;

/** Queries the tests serve. */
final class TestQueries {
  private TestQueries() {}

  /**
   * Sends {@code replies} to the sparkplug-http sink with a fresh checkpoint; {@code sinkOptions}
   * are key-value pairs that may also replace the checkpoint location.
   */
  static StreamingQuery serve(Dataset<Row> replies, String... sinkOptions) throws TimeoutException {
    DataStreamWriter<Row> writer =
        replies
            .writeStream()
            .format("sparkplug-http")
            .option("checkpointLocation", TestSpark.checkpoint());
    for (int i = 0; i < sinkOptions.length; i += 2) {
      writer = writer.option(sinkOptions[i], sinkOptions[i + 1]);
    }
    return writer.start();
  }

  /** A source metric from the query's last progress report, or -1 before there is one. */
  static long metric(StreamingQuery query, String name) {
    StreamingQueryProgress progress = query.lastProgress();
    if (progress == null || progress.sources().length == 0) {
      return -1;
    }
    String value = progress.sources()[0].metrics().get(name);
    return value == null ? -1 : Long.parseLong(value);
  }

  /** Waits (up to 60 s) until a source metric reaches {@code atLeast}. */
  static void awaitMetric(StreamingQuery query, String name, long atLeast) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> metric(query, name) >= atLeast);
  }

  /** Replies to each request with its own body. */
  static StreamingQuery echo(Dataset<Row> requests) throws TimeoutException {
    return serve(requests.select(col("id"), col("body")));
  }
}
