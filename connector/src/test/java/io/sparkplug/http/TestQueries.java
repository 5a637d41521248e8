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

  /** The id of the query's last batch, or -1 before its first progress. */
  static long lastBatchId(StreamingQuery query) {
    StreamingQueryProgress progress = query.lastProgress();
    return progress == null ? -1 : progress.batchId();
  }

  /**
   * Sends requests one after another until the query has finished {@code boundaries} more batches
   * than when it began, asserting every response: serving across batch boundaries, bounded by time
   * (120 s) rather than by a rate or a count. A count fails either way: two busy cores may answer
   * too few requests in a batch, and a quiet machine answers 2,000 sequential requests in under a
   * one-second batch. Returns how many requests were answered.
   */
  static int assertServesAcrossBatches(
      int port,
      StreamingQuery query,
      int boundaries,
      java.util.function.IntFunction<String> body,
      java.util.function.IntFunction<String> expected) {
    long firstBatch = lastBatchId(query);
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    int answered = 0;
    while (lastBatchId(query) < firstBatch + boundaries) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "after "
                + answered
                + " requests the query is at batch "
                + lastBatchId(query)
                + ", wanted "
                + (firstBatch + boundaries));
      }
      java.net.http.HttpResponse<String> response = Http.post(port, "/", body.apply(answered));
      org.junit.jupiter.api.Assertions.assertEquals(200, response.statusCode(), response.body());
      org.junit.jupiter.api.Assertions.assertEquals(expected.apply(answered), response.body());
      answered++;
    }
    return answered;
  }

  /** Replies to each request with its own body. */
  static StreamingQuery echo(Dataset<Row> requests) throws TimeoutException {
    return serve(requests.select(col("id"), col("body")));
  }
}
