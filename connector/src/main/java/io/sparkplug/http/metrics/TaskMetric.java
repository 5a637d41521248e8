package io.sparkplug.http.metrics;

import org.apache.spark.sql.connector.metric.CustomTaskMetric;

/** One task's value of a metric, reported to Spark by readers and writers. */
public record TaskMetric(String name, long value) implements CustomTaskMetric {}
