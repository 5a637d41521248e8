package io.sparkplug.http.metrics;

import org.apache.spark.sql.connector.metric.CustomSumMetric;

/** Request body bytes a task turned into rows. */
public final class RequestBodyBytes extends CustomSumMetric {
  public static final String NAME = "requestBodyBytes";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "request body bytes read";
  }
}
