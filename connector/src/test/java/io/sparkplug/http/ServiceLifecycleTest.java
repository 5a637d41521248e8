package io.sparkplug.http;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.udf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkplug.http.Http.Raw;
import io.sparkplug.http.Http.RawResponse;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.types.DataTypes;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every accepted request gets exactly one response, whatever happens to the query. */
@Timeout(180)
class ServiceLifecycleTest {

  private static StreamingQuery serve(Dataset<Row> replies, String checkpoint)
      throws TimeoutException {
    return TestQueries.serve(replies, "checkpointLocation", checkpoint);
  }

  /** A query that reads every request and answers none. */
  private static StreamingQuery neverAnswer(int port, String... options) throws TimeoutException {
    return serve(
        TestSpark.requests(port, options).select(col("id"), col("body")).filter(lit(false)),
        TestSpark.checkpoint());
  }

  @Test
  void requestWithoutReplyGets504AfterTheRequestTimeout() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery query = neverAnswer(port, "requestTimeout", "500ms");
    try {
      TestSpark.awaitListening(port);
      long start = System.nanoTime();
      HttpResponse<String> response = Http.get(port, "/");
      long tookMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
      Problems.assertProblem(response, 504, "Gateway Timeout");
      // Never before the timeout; the upper bound only tells a hang from slowness (the client's own
      // timeout is 60 s), so that two busy cores cannot make it flake.
      assertTrue(tookMs >= 450 && tookMs < 55_000, "took " + tookMs + " ms");
    } finally {
      query.stop();
    }
  }

  @Test
  void fullPendingQueueGets503WithRetryAfter() throws Exception {
    int port = TestSpark.freePort();
    // requestTimeout 45s: Retry-After is a tenth of it in whole seconds (docs/operations.md), and
    // the waiting requests must be answered by the stop long before it.
    StreamingQuery query = neverAnswer(port, "maxPendingRequests", "2", "requestTimeout", "45s");
    try (Raw first = new Raw(awaitListening(port));
        Raw second = new Raw(port);
        Raw third = new Raw(port)) {
      first.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      second.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      TestQueries.awaitMetric(query, "requestsAccepted", 2);
      RawResponse rejected = third.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
      Problems.assertProblem(rejected, 503, "Service Unavailable: too many pending requests");
      assertEquals("4", rejected.header("retry-after"));
      // The waiting requests are still owed a response: stopping the query gives them 503 now,
      // before their 45 s timeout (the bound is the timeout itself, not a guess at speed).
      long start = System.nanoTime();
      query.stop();
      Problems.assertProblem(first.read(), 503, "Service Unavailable: the service stopped");
      Problems.assertProblem(second.read(), 503, "Service Unavailable: the service stopped");
      assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 44);
    } finally {
      query.stop();
    }
  }

  @Test
  void thousandsOfClientsVanishingMidRequestCostOnlyTheirOwnRequests() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery silent = neverAnswer(port, "path", "/silent");
    StreamingQuery echo = TestQueries.echo(TestSpark.requests(port, "path", "/echo"));
    try {
      TestSpark.awaitListening(port);
      assertEquals("before", Http.post(port, "/echo", "before").body());
      int clients = 1000;
      for (int i = 0; i < clients; i++) {
        try (Raw whole = new Raw(port);
            Raw half = new Raw(port)) {
          whole.write("GET /silent HTTP/1.1\r\nHost: x\r\n\r\n");
          half.write("POST /silent HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
        }
      }
      // Every request that was admitted is forgotten once its client is gone.
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  TestQueries.metric(silent, "requestsPending") == 0
                      && TestQueries.metric(silent, "requestsClientGone")
                          == TestQueries.metric(silent, "requestsAccepted")
                      && TestQueries.metric(silent, "requestsAccepted") > 0);
      assertTrue(TestQueries.metric(silent, "requestsAccepted") <= clients);
      assertEquals("after", Http.post(port, "/echo", "after").body());
    } finally {
      silent.stop();
      echo.stop();
    }
  }

  @Test
  void stoppedQueryRefusesNewConnections() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery query = TestQueries.echo(TestSpark.requests(port));
    TestSpark.awaitListening(port);
    assertEquals(200, Http.get(port, "/").statusCode());
    query.stop();
    // Spark may return from stop() just before the source has closed its socket: bounded wait.
    TestSpark.awaitNotListening(port);
  }

  @Test
  void failedQueryAnswers500AndStopsListening() throws Exception {
    int port = TestSpark.freePort();
    UserDefinedFunction explode =
        udf(
            (UDF1<byte[], String>)
                body -> {
                  throw new IllegalStateException("secret internal detail");
                },
            DataTypes.StringType);
    StreamingQuery query =
        serve(
            TestSpark.requests(port).select(col("id"), explode.apply(col("body")).as("body")),
            TestSpark.checkpoint());
    TestSpark.awaitListening(port);
    HttpResponse<String> response = Http.post(port, "/", "anything");
    // docs/operations.md: "500 Internal Server Error", no internal detail.
    Problems.assertProblem(response, 500, "Internal Server Error");
    assertFalse(response.body().contains("secret"), response.body());
    assertFalse(response.body().contains("Exception"), response.body());
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !query.isActive());
    assertTrue(query.exception().isDefined());
    TestSpark.awaitNotListening(port);
  }

  @Test
  void duplicateRepliesAreDroppedAndCounted() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery query =
        serve(
            TestSpark.requests(port)
                .select(col("id"), explode(array(lit("first"), lit("second"))).as("body")),
            TestSpark.checkpoint());
    try {
      TestSpark.awaitListening(port);
      try (Raw raw = new Raw(port)) {
        raw.write("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        for (RawResponse response : raw.read(2)) {
          assertEquals(200, response.status());
          assertEquals("first", response.body());
        }
        // Both duplicates have reached the server by now ...
        TestQueries.awaitMetric(query, "repliesDropped", 2);
        assertEquals(2, TestQueries.metric(query, "requestsReplied"));
        // ... and not one byte of them reached the client: exactly one response each.
        raw.assertNothingArrives(Duration.ofMillis(500));
      }
    } finally {
      query.stop();
    }
  }

  @Test
  void lateReplyAfterTimeoutIsDropped() throws Exception {
    int port = TestSpark.freePort();
    UserDefinedFunction slow =
        udf(
            (UDF1<byte[], String>)
                body -> {
                  Thread.sleep(1500);
                  return "late";
                },
            DataTypes.StringType);
    StreamingQuery query =
        serve(
            TestSpark.requests(port, "requestTimeout", "300ms")
                .select(col("id"), slow.apply(col("body")).as("body")),
            TestSpark.checkpoint());
    try {
      TestSpark.awaitListening(port);
      assertEquals(504, Http.get(port, "/").statusCode());
      TestQueries.awaitMetric(query, "repliesDropped", 1);
      assertEquals(1, TestQueries.metric(query, "requestsTimedOut"));
    } finally {
      query.stop();
    }
  }

  @Test
  void restartFromCheckpointServesAgainOnTheSamePortWithLaterOffsets() throws Exception {
    int port = TestSpark.freePort();
    String checkpoint = TestSpark.checkpoint();
    Dataset<Row> replies = TestSpark.requests(port).select(col("id"), col("body"));
    StreamingQuery first = serve(replies, checkpoint);
    TestSpark.awaitListening(port);
    for (int i = 0; i < 3; i++) {
      assertEquals("run1-" + i, Http.post(port, "/", "run1-" + i).body());
    }
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> offset(first) >= 3);
    long firstRunEnd = offset(first);
    first.stop();

    StreamingQuery second = serve(replies, checkpoint);
    try {
      TestSpark.awaitListening(port);
      CompletableFuture<HttpResponse<String>> reply =
          CompletableFuture.supplyAsync(() -> Http.post(port, "/", "run2"));
      assertEquals("run2", reply.get().body());
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> second.lastProgress() != null && offset(second) > firstRunEnd);
    } finally {
      second.stop();
    }
  }

  private static long offset(StreamingQuery query) {
    StreamingQueryProgress progress = query.lastProgress();
    if (progress == null || progress.sources()[0].endOffset() == null) {
      return -1;
    }
    String json = progress.sources()[0].endOffset();
    return Long.parseLong(json.replaceAll("[^0-9]", ""));
  }

  private static int awaitListening(int port) {
    TestSpark.awaitListening(port);
    return port;
  }

  /** Set by the drain test's UDF once it computes the reply of the request being drained. */
  static final java.util.concurrent.CountDownLatch COMPUTING =
      new java.util.concurrent.CountDownLatch(1);

  /**
   * docs/operations.md, query.stop(): a request being computed gets its reply if it comes within
   * drainTimeout. The UDF busy-waits 2 s without looking at interrupts (as CPU-bound user code
   * does), so the reply leaves its task while the stop drains; the client gets it, not a 503.
   */
  @Test
  void stopDeliversAReplyThatArrivesWithinTheDrainTimeout() throws Exception {
    int port = TestSpark.freePort();
    UserDefinedFunction slow =
        udf(
            (UDF1<byte[], String>)
                body -> {
                  COMPUTING.countDown();
                  long end = System.nanoTime() + 2_000_000_000L;
                  while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                  }
                  return "computed " + new String(body, java.nio.charset.StandardCharsets.UTF_8);
                },
            DataTypes.StringType);
    StreamingQuery query =
        serve(
            TestSpark.requests(port, "drainTimeout", "30s")
                .select(col("id"), slow.apply(col("body")).as("body")),
            TestSpark.checkpoint());
    try {
      TestSpark.awaitReady(port, query);
      CompletableFuture<HttpResponse<String>> reply =
          CompletableFuture.supplyAsync(() -> Http.post(port, "/", "in flight"));
      assertTrue(COMPUTING.await(60, java.util.concurrent.TimeUnit.SECONDS), "never computed");
      long start = System.nanoTime();
      query.stop();
      HttpResponse<String> response = reply.get(60, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(200, response.statusCode(), response.body());
      assertEquals("computed in flight", response.body());
      // Well before the 30 s drain timeout ran out: the stop ended once the reply was out.
      assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 25);
    } finally {
      query.stop();
    }
  }

  /**
   * A service whose query fails answers its pending requests 500 and leaves the port at once; on a
   * port shared with another service, /-/health then reports only the one that still serves (200),
   * and that one goes on answering.
   */
  @Test
  void failedServiceLeavesASharedPortWhoseHealthFollowsTheRest() throws Exception {
    int port = TestSpark.freePort();
    UserDefinedFunction explode =
        udf(
            (UDF1<byte[], String>)
                body -> {
                  throw new IllegalStateException("boom");
                },
            DataTypes.StringType);
    StreamingQuery failing =
        serve(
            TestSpark.requests(port, "path", "/fail")
                .select(col("id"), explode.apply(col("body")).as("body")),
            TestSpark.checkpoint());
    StreamingQuery echo = TestQueries.echo(TestSpark.requests(port, "path", "/ok"));
    try {
      TestSpark.awaitReady(port, echo);
      TestSpark.awaitFirstProgress(failing);
      HttpResponse<String> health = Http.get(port, "/-/health");
      assertEquals(200, health.statusCode());
      assertTrue(health.body().contains("\"path\":\"/fail\""), health.body());
      assertEquals(500, Http.post(port, "/fail", "x").statusCode());
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !failing.isActive());
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> !Http.get(port, "/-/health").body().contains("/fail"));
      HttpResponse<String> after = Http.get(port, "/-/health");
      assertEquals(200, after.statusCode(), after.body());
      assertTrue(after.body().contains("\"status\":\"serving\""), after.body());
      assertEquals(404, Http.post(port, "/fail", "x").statusCode());
      assertEquals("still", Http.post(port, "/ok", "still").body());
    } finally {
      echo.stop();
      failing.stop();
    }
  }
}
