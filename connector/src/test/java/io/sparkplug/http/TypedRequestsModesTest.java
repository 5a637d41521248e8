package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The typed {@code request} column in every mode and trigger: the value built on the server's
 * thread reaches the query whichever JVM and reader takes it, and a bad body is refused by the
 * executor's server as by the driver's.
 */
@Timeout(300)
class TypedRequestsModesTest {
  private static final String SCHEMA =
      "item STRING NOT NULL, quantity INT NOT NULL, tags ARRAY<STRING>, price DECIMAL(6,2)";

  private static Dataset<Row> replies(SparkSession spark, int port, String... options) {
    var reader =
        spark
            .readStream()
            .format("sparkplug-http")
            .option("port", port)
            .option("requestSchema", SCHEMA);
    for (int i = 0; i < options.length; i += 2) {
      reader = reader.option(options[i], options[i + 1]);
    }
    return reader
        .load()
        .select(
            col("id"),
            concat(
                    col("request.item"),
                    lit(" x"),
                    (col("request.quantity").plus(lit(0))).cast("string"),
                    lit(" "),
                    col("request.price").cast("string"),
                    lit(" "),
                    col("request.tags").getItem(0))
                .as("body"));
  }

  private static StreamingQuery realTime(Dataset<Row> replies) throws Exception {
    return replies
        .writeStream()
        .foreach(SparkPlugHttp.replyWriter())
        .outputMode("update")
        .trigger(Trigger.RealTime(1000))
        .option("checkpointLocation", TestSpark.checkpoint())
        .start();
  }

  private static void assertServesTyped(int port, StreamingQuery query) throws Exception {
    try {
      TestSpark.awaitListening(port);
      // The first request may wait for the readers (or the executor's server) to start.
      Awaitility.await("a first typed reply")
          .atMost(Duration.ofSeconds(120))
          .until(
              () ->
                  TypedRequestsTest.postJson(
                              port, "/", "{\"item\":\"warm\",\"quantity\":0,\"tags\":[\"t\"]}")
                          .statusCode()
                      == 200);
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> response =
            TypedRequestsTest.postJson(
                port,
                "/",
                "{\"item\":\"pear\",\"quantity\":" + i + ",\"price\":1.5,\"tags\":[\"ripe\"]}");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("pear x" + i + " 1.50 ripe", response.body());
      }
      var error =
          TypedRequestsTest.assertInvalid(
              TypedRequestsTest.postJson(port, "/", "{\"item\":\"pear\",\"quantity\":\"four\"}"));
      assertEquals("/quantity", error.get("pointer").asText());
      assertTrue(error.get("detail").asText().contains("expected an integer (INT)"));
      assertTrue(Http.get(port, "/-/metrics").body().contains("reason=\"invalid_body\"} 1"));
    } finally {
      query.stop();
    }
    TestSpark.awaitNotListening(port);
  }

  @Test
  void driverModeRealTime() throws Exception {
    SparkSession spark = TestSpark.session().newSession();
    spark.conf().set("spark.sql.streaming.realTimeMode.minBatchDuration", "1000");
    int port = TestSpark.freePort();
    assertServesTyped(port, realTime(replies(spark, port)));
  }

  @Test
  void executorModeMicroBatch() throws Exception {
    int port = TestSpark.freePort();
    Dataset<Row> replies = replies(TestSpark.session(), port, "mode", "executor");
    assertServesTyped(port, TestQueries.serve(replies));
  }

  @Test
  void executorModeRealTime() throws Exception {
    SparkSession spark = TestSpark.session().newSession();
    spark.conf().set("spark.sql.streaming.realTimeMode.minBatchDuration", "1000");
    int port = TestSpark.freePort();
    assertServesTyped(port, realTime(replies(spark, port, "mode", "executor")));
  }
}
