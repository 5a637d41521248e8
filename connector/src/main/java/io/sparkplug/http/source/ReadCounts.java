package io.sparkplug.http.source;

import io.sparkplug.http.metrics.RequestBodyBytes;
import io.sparkplug.http.metrics.RequestsFetched;
import io.sparkplug.http.metrics.RequestsRead;
import io.sparkplug.http.metrics.TaskMetric;
import io.sparkplug.http.server.RequestRecord;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;

/** What one reader handed to Spark, reported as task metrics. */
final class ReadCounts {
  private final boolean fetched;
  private long requests;
  private long bodyBytes;

  /**
   * @param fetched the reader's records came from another JVM's server, so each also counts as
   *     {@link RequestsFetched}
   */
  ReadCounts(boolean fetched) {
    this.fetched = fetched;
  }

  void count(RequestRecord record) {
    requests++;
    bodyBytes += record.body().length;
  }

  CustomTaskMetric[] values() {
    return new CustomTaskMetric[] {
      new TaskMetric(RequestsRead.NAME, requests),
      new TaskMetric(RequestBodyBytes.NAME, bodyBytes),
      new TaskMetric(RequestsFetched.NAME, fetched ? requests : 0)
    };
  }
}
