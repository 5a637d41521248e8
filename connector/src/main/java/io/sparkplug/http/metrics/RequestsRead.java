package io.sparkplug.http.metrics;

import org.apache.spark.sql.connector.metric.CustomSumMetric;

/** Requests a task turned into rows. */
public final class RequestsRead extends CustomSumMetric {
  public static final String NAME = "requestsRead";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "requests read";
  }
}
