package io.sparkplug.http.metrics;

import org.apache.spark.sql.connector.metric.CustomSumMetric;

/** Replies a task wrote for requests already answered (late, duplicate, client gone). */
public final class RepliesDropped extends CustomSumMetric {
  public static final String NAME = "repliesDropped";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "replies dropped";
  }
}
