package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkplug.http.Http.Raw;
import io.sparkplug.http.Http.RawResponse;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every server answers /-/health and /-/metrics itself; progress reports carry the counters. */
@Timeout(120)
class ObservabilityTest {

  @Test
  void metricsEndpointCountsOutcomesRejectionsAndLatency() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery echo = TestQueries.echo(TestSpark.requests(port, "path", "/echo"));
    try {
      TestSpark.awaitListening(port);
      for (int i = 0; i < 3; i++) {
        assertEquals("hi", Http.post(port, "/echo", "hi").body());
      }
      assertEquals(404, Http.get(port, "/nowhere").statusCode());

      HttpResponse<String> scrape = Http.get(port, "/-/metrics");
      assertEquals(200, scrape.statusCode());
      assertEquals(
          "text/plain; version=0.0.4; charset=utf-8",
          scrape.headers().firstValue("content-type").orElse(""));
      String text = scrape.body();
      String labels = "port=\"" + port + "\",path=\"/echo\"";
      assertTrue(
          text.contains("sparkplug_requests_total{" + labels + ",outcome=\"replied\"} 3"), text);
      assertTrue(text.contains("sparkplug_requests_pending{" + labels + "} 0"), text);
      assertTrue(
          text.contains(
              "sparkplug_requests_rejected_total{port=\"" + port + "\",reason=\"not_found\"} 1"),
          text);
      assertTrue(
          text.contains("sparkplug_reply_latency_seconds_bucket{" + labels + ",le=\"+Inf\"} 3"),
          text);
      assertTrue(text.contains("sparkplug_reply_latency_seconds_count{" + labels + "} 3"), text);
      assertTrue(text.contains("# TYPE sparkplug_reply_latency_seconds histogram"), text);

      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> TestQueries.metric(echo, "requestsReplied") == 3);
      var metrics = echo.lastProgress().sources()[0].metrics();
      assertTrue(Double.parseDouble(metrics.get("replyLatencyP50Ms")) > 0, metrics.toString());
      assertTrue(metrics.containsKey("replyLatencyP99Ms"), metrics.toString());
      assertTrue(metrics.containsKey("rejectedNotFound"), metrics.toString());
    } finally {
      echo.stop();
    }
  }

  @Test
  void sparkUiShowsRequestsReadAndRepliesDelivered() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery echo = TestQueries.echo(TestSpark.requests(port, "path", "/ui"));
    try {
      TestSpark.awaitListening(port);
      for (int i = 0; i < 4; i++) {
        assertEquals("abcd", Http.post(port, "/ui", "abcd").body());
      }
      // Batches finish shortly after their replies leave; their plans then hold the sums.
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  uiMetricTotal("replies delivered") >= 4
                      && uiMetricTotal("requests read") >= 4
                      && uiMetricTotal("request body bytes read") >= 16);
    } finally {
      echo.stop();
    }
  }

  /** The sum of a named metric over every finished SQL execution in Spark's status store. */
  private static long uiMetricTotal(String name) {
    long total = 0;
    var executions =
        scala.jdk.javaapi.CollectionConverters.asJava(
            TestSpark.session().sharedState().statusStore().executionsList());
    for (var execution : executions) {
      var values = execution.metricValues();
      if (values == null) {
        continue;
      }
      for (var metric : scala.jdk.javaapi.CollectionConverters.asJava(execution.metrics())) {
        if (metric.name().equals(name) && values.contains(metric.accumulatorId())) {
          total += Long.parseLong(values.apply(metric.accumulatorId()).replace(",", "").trim());
        }
      }
    }
    return total;
  }

  @Test
  void adminEndpointsAnswerOnlyGetAndKnownNames() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery echo = TestQueries.echo(TestSpark.requests(port));
    try {
      TestSpark.awaitListening(port);
      try (Raw raw = new Raw(port)) {
        RawResponse refused =
            raw.write("POST /-/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").read();
        assertEquals(405, refused.status());
        assertEquals("GET, HEAD, OPTIONS", refused.header("allow"));
      }
      assertEquals(404, Http.get(port, "/-/secrets").statusCode());
      // The service's path is "/", yet admin paths never reach its query.
      assertEquals("", Http.get(port, "/").body());
    } finally {
      echo.stop();
    }
  }

  @Test
  void healthIsServingWhileTheQueryRunsAndNotWhileItStops() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery silent =
        TestQueries.serve(
            TestSpark.requests(port, "drainTimeout", "10s")
                .select(col("id"), col("body"))
                .filter(lit(false)));
    TestSpark.awaitListening(port);
    HttpResponse<String> healthy = Http.get(port, "/-/health");
    assertEquals(200, healthy.statusCode());
    assertTrue(healthy.body().contains("\"status\":\"serving\""), healthy.body());

    // A request that a batch has read but the query never answers keeps the stop draining.
    try (Raw waiting = new Raw(port)) {
      waiting.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  TestQueries.metric(silent, "requestsAccepted") == 1
                      && TestQueries.metric(silent, "requestsNotYetPlanned") == 0);
      CompletableFuture<Void> stopping =
          CompletableFuture.runAsync(
              () -> {
                try {
                  silent.stop();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      Awaitility.await()
          .atMost(Duration.ofSeconds(8))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> Http.get(port, "/-/health").statusCode() == 503);
      stopping.get();
      assertEquals(503, waiting.read().status());
    }
  }
}
