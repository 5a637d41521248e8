package io.sparkplug.examples.common;

import org.apache.spark.sql.execution.streaming.RealTimeTrigger;
import org.apache.spark.sql.execution.streaming.runtime.StreamingQueryWrapper;
import org.apache.spark.sql.streaming.StreamingQuery;

/** What trigger a started query runs with: Spark's own record of it, not the example's word. */
public final class Triggers {
  private Triggers() {}

  public static boolean realTime(StreamingQuery query) {
    return query instanceof StreamingQueryWrapper wrapper
        && wrapper.streamingQuery().trigger() instanceof RealTimeTrigger;
  }
}
