package io.sparkplug.http.metrics;

import org.apache.spark.sql.connector.metric.CustomSumMetric;

/** Replies whose id names no service in the writing JVM. */
public final class RepliesUnroutable extends CustomSumMetric {
  public static final String NAME = "repliesUnroutable";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "replies unroutable";
  }
}
