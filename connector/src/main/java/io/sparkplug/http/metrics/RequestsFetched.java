package io.sparkplug.http.metrics;

import org.apache.spark.sql.connector.metric.CustomSumMetric;

/**
 * Requests a task read from another executor's server ({@code mode=executor}): Spark ran the read
 * away from the server's own executor (its locality wait ran out), so the range was fetched from
 * the owner's internal endpoint. Counted in {@link RequestsRead} too.
 */
public final class RequestsFetched extends CustomSumMetric {
  public static final String NAME = "requestsFetched";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "requests fetched from another executor";
  }
}
