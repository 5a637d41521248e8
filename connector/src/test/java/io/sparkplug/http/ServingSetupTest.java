package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.upper;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkplug.http.config.ServiceOptions;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The one-step serving setup: {@link SparkPlugHttp#servingConf()} and {@link SparkPlugHttp#serve}
 * serve by format name in both triggers, {@link SparkPlugHttp#stop} stops without an ERROR, and a
 * slow setting draws one WARN that names it.
 */
@Timeout(240)
class ServingSetupTest {
  private static SparkSession fast;

  @BeforeAll
  static void session() {
    // A session of its own with the serving settings; the shared one keeps Spark's defaults.
    fast = TestSpark.servingSession();
    // Short real-time batches, so that a test crosses boundaries.
    fast.conf().set("spark.sql.streaming.realTimeMode.minBatchDuration", "1000");
  }

  @AfterAll
  static void noQueryLeft() throws Exception {
    for (StreamingQuery query : fast.streams().active()) {
      query.stop();
    }
  }

  private static Dataset<Row> upperCased(SparkSession spark, int port, String... options) {
    var reader = spark.readStream().format("sparkplug-http").option("port", port);
    for (int i = 0; i < options.length; i += 2) {
      reader = reader.option(options[i], options[i + 1]);
    }
    return reader.load().select(col("id"), upper(col("body").cast("string")).as("body"));
  }

  /** Sends {@code count} requests one after another; each must come back upper-cased. */
  private static void assertServes(int port, int count) {
    for (int i = 0; i < count; i++) {
      HttpResponse<String> response = Http.post(port, "/", "ping " + i);
      assertEquals(200, response.statusCode());
      assertEquals("PING " + i, response.body());
    }
  }

  /**
   * Stops the query with {@link SparkPlugHttp#stop} while requests are in flight: every one gets
   * 200 (answered before the boundary) or 503 (arrived once the stop began), none hangs, the query
   * ends without an exception, and nothing is logged at ERROR.
   */
  private static void assertStopsCleanly(int port, StreamingQuery query) throws Exception {
    try (LogCapture logs = LogCapture.open()) {
      List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        inFlight.add(Http.postAsync(port, "/", "late " + i));
      }
      SparkPlugHttp.stop(query);
      for (CompletableFuture<HttpResponse<String>> call : inFlight) {
        HttpResponse<String> response;
        try {
          response = call.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException refused) {
          // Sent after the port closed: the client saw the connection refused at once.
          assertTrue(
              refused.getCause() instanceof java.net.ConnectException
                  || refused.getCause() instanceof java.io.IOException,
              refused.toString());
          continue;
        }
        assertTrue(
            response.statusCode() == 200 || response.statusCode() == 503,
            response.statusCode() + " " + response.body());
        if (response.statusCode() == 200) {
          assertTrue(response.body().startsWith("LATE "), response.body());
        }
      }
      assertFalse(query.isActive());
      assertTrue(query.exception().isEmpty(), () -> "query failed: " + query.exception().get());
      assertEquals(List.of(), logs.atLeast(Level.ERROR), "logged at ERROR during the stop");
    }
  }

  @Test
  void realTimeByFormatNameServesAcrossBoundariesAndStopsCleanly() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery query =
        SparkPlugHttp.serve(upperCased(fast, port), Trigger.RealTime(1500))
            .option("checkpointLocation", TestSpark.checkpoint())
            .start();
    TestSpark.awaitListening(port);
    long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
    int batchesBefore = query.recentProgress().length;
    while (System.nanoTime() < deadline) {
      assertServes(port, 10);
    }
    assertTrue(query.recentProgress().length > batchesBefore, "no batch boundary was crossed");
    assertStopsCleanly(port, query);
  }

  @Test
  void theDefaultTriggerIsRealTimeAfterAWarmUpThatServes() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery query =
        SparkPlugHttp.serve(upperCased(fast, port))
            .option("checkpointLocation", TestSpark.checkpoint())
            .start();
    TestSpark.awaitListening(port);
    // Requests sent from the start are answered while the warm-up batches end early and their
    // boundaries pass, well before the 60 s of the trigger.
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    int sent = 0;
    while (warmUpBatchesLeft(query) != 0) {
      assertTrue(System.nanoTime() < deadline, "the warm-up did not end within 60 s");
      assertServes(port, 1);
      sent++;
    }
    assertTrue(sent > 0, "no request was sent during the warm-up");
    SparkPlugHttp.awaitWarmUp(query, Duration.ofSeconds(1));
    int warmUp = ServiceOptions.WARM_UP_BATCHES_DEFAULT;
    StreamingQueryProgress[] progress = query.recentProgress();
    assertEquals(warmUp, progress.length, "batches ended by the end of the warm-up");
    for (int i = 0; i < warmUp; i++) {
      assertEquals(
          Integer.toString(warmUp - 1 - i),
          progress[i].sources()[0].metrics().get(SparkPlugHttp.WARM_UP_BATCHES_LEFT),
          "warm-up batches left after batch " + progress[i].batchId());
    }
    assertServes(port, 20);
    // Served within the first batch after the warm-up (60 s). A micro-batch query would have
    // completed a batch for every request.
    assertEquals(
        warmUp,
        query.recentProgress().length,
        "more batches than the warm-up ended: not real-time");
    assertStopsCleanly(port, query);
  }

  @Test
  void theWarmUpIsAnOption() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery query =
        SparkPlugHttp.serve(
                upperCased(fast, port, "warmUpBatches", "3", "warmUpBatchTime", "1s"),
                Trigger.RealTime(30_000))
            .option("checkpointLocation", TestSpark.checkpoint())
            .start();
    TestSpark.awaitListening(port);
    // /-/health reports the count too (what `sparkplug submit` waits on in driver mode): left out
    // until the query first asks for work, then above 0 for the three 1 s batches.
    Integer first = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (first == null) {
      assertTrue(System.nanoTime() < deadline, "/-/health never reported the warm-up");
      first = healthWarmUpBatchesLeft(port);
    }
    assertTrue(first > 0, "/-/health reported " + first + " warm-up batches left at the start");
    SparkPlugHttp.awaitWarmUp(query, Duration.ofSeconds(60));
    assertEquals(3, query.recentProgress().length, "batches ended by the end of the warm-up");
    assertEquals("0", warmUpBatchesLeftText(query));
    assertEquals(0, healthWarmUpBatchesLeft(port));
    assertServes(port, 10);
    assertEquals(3, query.recentProgress().length, "the batch after the warm-up ended early");
    assertStopsCleanly(port, query);
  }

  /** {@code warmUpBatchesLeft} of the port's one service in {@code /-/health}; null if absent. */
  private static Integer healthWarmUpBatchesLeft(int port) throws Exception {
    HttpResponse<String> health = Http.get(port, "/-/health");
    assertEquals(200, health.statusCode(), health.body());
    JsonNode service = new ObjectMapper().readTree(health.body()).get("services").get(0);
    JsonNode left = service.get(SparkPlugHttp.WARM_UP_BATCHES_LEFT);
    return left == null ? null : left.asInt();
  }

  /** The source's {@code warmUpBatchesLeft} in the last progress; -1 before any progress. */
  private static int warmUpBatchesLeft(StreamingQuery query) {
    String left = warmUpBatchesLeftText(query);
    return left == null ? -1 : Integer.parseInt(left);
  }

  private static String warmUpBatchesLeftText(StreamingQuery query) {
    StreamingQueryProgress last = query.lastProgress();
    return last == null
        ? null
        : last.sources()[0].metrics().get(SparkPlugHttp.WARM_UP_BATCHES_LEFT);
  }

  @Test
  void microBatchServesAndStopsCleanly() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery query =
        SparkPlugHttp.serve(upperCased(fast, port), Trigger.ProcessingTime(0))
            .option("checkpointLocation", TestSpark.checkpoint())
            .start();
    TestSpark.awaitListening(port);
    assertServes(port, 20);
    assertEquals(0, healthWarmUpBatchesLeft(port), "micro-batch has no warm-up");
    assertStopsCleanly(port, query);
  }

  @Test
  void executorModeRealTimeStopsCleanly() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery query =
        SparkPlugHttp.serve(upperCased(fast, port, "mode", "executor"), Trigger.RealTime(1500))
            .option("checkpointLocation", TestSpark.checkpoint())
            .start();
    TestSpark.awaitListening(port);
    assertServes(port, 20);
    assertStopsCleanly(port, query);
  }

  @Test
  void slowSettingsDrawOneWarnNamingThem() throws Exception {
    // Spark's defaults: the FileContext checkpoint manager and a 10 ms polling delay.
    SparkSession defaults = TestSpark.session().newSession();
    defaults.conf().set("spark.sql.streaming.pollingDelay", "10ms");
    int port = TestSpark.freePort();
    try (LogCapture logs = LogCapture.open()) {
      StreamingQuery query =
          upperCased(defaults, port)
              .writeStream()
              .format("sparkplug-http")
              .option("checkpointLocation", TestSpark.checkpoint())
              .start();
      try {
        TestSpark.awaitListening(port);
        assertServes(port, 3);
      } finally {
        SparkPlugHttp.stop(query);
      }
      List<LogCapture.Line> warns = logs.containing("serves with settings that cost latency");
      assertEquals(1, warns.size(), warns.toString());
      String warn = warns.get(0).message();
      assertEquals(Level.WARN, warns.get(0).level());
      assertTrue(warn.contains("spark.sql.streaming.checkpointFileManagerClass"), warn);
      assertTrue(warn.contains("spark.sql.streaming.pollingDelay=10ms"), warn);
    }
  }

  @Test
  void theServingSettingsDrawNoWarn() throws Exception {
    int port = TestSpark.freePort();
    try (LogCapture logs = LogCapture.open()) {
      StreamingQuery query =
          SparkPlugHttp.serve(upperCased(fast, port), Trigger.ProcessingTime(0))
              .option("checkpointLocation", TestSpark.checkpoint())
              .start();
      try {
        TestSpark.awaitListening(port);
        assertServes(port, 3);
      } finally {
        SparkPlugHttp.stop(query);
      }
      assertEquals(List.of(), logs.containing("cost latency"));
    }
  }
}
