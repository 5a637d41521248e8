package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.upper;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real-time mode: long-running readers hand each request on at once, across batch boundaries. */
@Timeout(180)
class RealTimeModeTest {
  private static final String ALLOWLIST_CHECK = "spark.sql.streaming.realTimeMode.allowlistCheck";
  private static SparkSession spark;

  @BeforeAll
  static void session() {
    // A session of its own: its SQL settings do not leak into the other tests.
    spark = TestSpark.session().newSession();
    // Short batches, so that the tests cross several batch boundaries.
    spark.conf().set("spark.sql.streaming.realTimeMode.minBatchDuration", "1000");
  }

  private static Dataset<Row> upperCased(int port) {
    return spark
        .readStream()
        .format("sparkplug-http")
        .option("port", port)
        .load()
        .select(col("id"), upper(col("body").cast("string")).as("body"));
  }

  private static void assertServesAcrossBatches(int port, StreamingQuery query) {
    try {
      // Readiness: a first batch has ended, so readers have started once; the first request after
      // it is asserted as is.
      TestSpark.awaitReady(port, query);
      assertEquals("WARM UP", Http.post(port, "/", "warm up").body());
      // Two more batch boundaries crossed while every request is answered (a count, not a rate).
      TestQueries.assertServesAcrossBatches(port, query, 2, i -> "ping " + i, i -> "PING " + i);
    } finally {
      stop(query);
    }
  }

  private static void stop(StreamingQuery query) {
    try {
      query.stop();
    } catch (TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void formatSinkServesWithTheAllowlistCheckOff() throws Exception {
    spark.conf().set(ALLOWLIST_CHECK, "false");
    try {
      int port = TestSpark.freePort();
      StreamingQuery query =
          upperCased(port)
              .writeStream()
              .format("sparkplug-http")
              .outputMode("update")
              .trigger(Trigger.RealTime(1000))
              .option("checkpointLocation", TestSpark.checkpoint())
              .start();
      assertServesAcrossBatches(port, query);
    } finally {
      spark.conf().unset(ALLOWLIST_CHECK);
    }
  }

  @Test
  void foreachReplyWriterServesWithoutTurningChecksOff() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery query =
        upperCased(port)
            .writeStream()
            .foreach(SparkPlugHttp.replyWriter())
            .outputMode("update")
            .trigger(Trigger.RealTime(1000))
            .option("checkpointLocation", TestSpark.checkpoint())
            .start();
    assertServesAcrossBatches(port, query);
  }

  @Test
  void formatSinkIsRefusedWhileTheAllowlistCheckIsOn() {
    int port = TestSpark.freePort();
    Exception refused =
        assertThrows(
            Exception.class,
            () ->
                upperCased(port)
                    .writeStream()
                    .format("sparkplug-http")
                    .outputMode("update")
                    .trigger(Trigger.RealTime(1000))
                    .option("checkpointLocation", TestSpark.checkpoint())
                    .start()
                    .awaitTermination(60_000));
    assertTrue(refused.getMessage().contains("ALLOWLIST"), refused.getMessage());
  }
}
