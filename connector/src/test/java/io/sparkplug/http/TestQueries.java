package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;

import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;

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

  /** Replies to each request with its own body. */
  static StreamingQuery echo(Dataset<Row> requests) throws TimeoutException {
    return serve(requests.select(col("id"), col("body")));
  }
}
