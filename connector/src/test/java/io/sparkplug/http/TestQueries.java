package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;

import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;

/** Queries the tests serve. */
final class TestQueries {
  private TestQueries() {}

  /** Replies to each request with its own body. */
  static StreamingQuery echo(Dataset<Row> requests) throws TimeoutException {
    return requests
        .select(col("id"), col("body"))
        .writeStream()
        .format("sparkplug-http")
        .option("checkpointLocation", TestSpark.checkpoint())
        .start();
  }
}
