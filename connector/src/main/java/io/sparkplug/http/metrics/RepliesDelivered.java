package io.sparkplug.http.metrics;

import org.apache.spark.sql.connector.metric.CustomSumMetric;

/** Replies a task handed to their waiting client. */
public final class RepliesDelivered extends CustomSumMetric {
  public static final String NAME = "repliesDelivered";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "replies delivered";
  }
}
