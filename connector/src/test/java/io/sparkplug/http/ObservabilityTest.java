package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkplug.http.Http.Raw;
import io.sparkplug.http.Http.RawResponse;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
      Map<String, String> samples = samples(text);
      String labels = "port=\"" + port + "\",path=\"/echo\"";
      // Whole series and whole values: "} 3" would also match 30-39.
      assertSample(samples, "sparkplug_requests_total{" + labels + ",outcome=\"replied\"}", "3");
      assertSample(samples, "sparkplug_requests_pending{" + labels + "}", "0");
      assertSample(
          samples,
          "sparkplug_requests_rejected_total{port=\"" + port + "\",reason=\"not_found\"}",
          "1");
      assertSample(
          samples, "sparkplug_reply_latency_seconds_bucket{" + labels + ",le=\"+Inf\"}", "3");
      assertSample(samples, "sparkplug_reply_latency_seconds_count{" + labels + "}", "3");
      assertSample(samples, "sparkplug_replies_dropped_total{" + labels + "}", "0");
      assertTrue(
          text.lines().anyMatch("# TYPE sparkplug_reply_latency_seconds histogram"::equals), text);

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

  /** Every sample line of a Prometheus scrape, as series (name and labels) to value. */
  static Map<String, String> samples(String text) {
    Map<String, String> samples = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      assertTrue(space > 0, "not a sample line: " + line);
      String previous = samples.put(line.substring(0, space), line.substring(space + 1));
      assertEquals(null, previous, "series twice in one scrape: " + line);
    }
    return samples;
  }

  static void assertSample(Map<String, String> samples, String series, String value) {
    assertEquals(value, samples.get(series), series + " in " + samples);
  }

  private static Map<String, String> scrape(int port, String token) {
    HttpResponse<String> response =
        Http.send(
            HttpRequest.newBuilder(Http.uri(port, "/-/metrics"))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30))
                .build());
    assertEquals(200, response.statusCode(), response.body());
    return samples(response.body());
  }

  private static String sampleOf(int port, String token, String series) {
    return scrape(port, token).get(series);
  }

  /**
   * Each outcome and each rejection reason of docs/operations.md provoked once, and the scrape
   * shows exactly that count for it (the reasons on one port, outcomes on its services).
   */
  @Test
  void everyOutcomeAndRejectionReasonIsCountedOnce() throws Exception {
    int port = TestSpark.freePort();
    String token = "metrics-token";
    // Options of the shared socket, the same for every service on the port.
    String[] shared = {
      "readTimeout", "1s", "maxInitialLineLength", "256", "maxHeaderBytes", "1024"
    };
    StreamingQuery echo =
        TestQueries.echo(
            TestSpark.requests(port, concat(shared, "path", "/echo", "maxBodyBytes", "16")));
    StreamingQuery silent =
        TestQueries.serve(
            TestSpark.requests(
                    port,
                    concat(
                        shared,
                        "path",
                        "/silent",
                        "maxPendingRequests",
                        "1",
                        "requestTimeout",
                        "5s"))
                .select(col("id"), col("body"))
                .filter(lit(false)));
    StreamingQuery secure =
        TestQueries.echo(
            TestSpark.requests(port, concat(shared, "path", "/secure", "authToken", token)));
    StreamingQuery draining =
        TestQueries.serve(
            TestSpark.requests(port, concat(shared, "path", "/drain", "drainTimeout", "8s"))
                .select(col("id"), col("body"))
                .filter(lit(false)));
    try {
      TestSpark.awaitReady(port, echo);
      TestSpark.awaitFirstProgress(silent);
      TestSpark.awaitFirstProgress(secure);
      TestSpark.awaitFirstProgress(draining);
      String p = "port=\"" + port + "\"";
      String silentLabels = p + ",path=\"/silent\"";

      // replied
      assertEquals("x", Http.post(port, "/echo", "x").body());
      // rejected_full, then timed_out for the request that filled the queue
      try (Raw filling = new Raw(port);
          Raw refused = new Raw(port)) {
        filling.write("GET /silent HTTP/1.1\r\nHost: x\r\n\r\n");
        awaitSample(port, token, "sparkplug_requests_pending{" + silentLabels + "}", "1");
        RawResponse full = refused.write("GET /silent HTTP/1.1\r\nHost: x\r\n\r\n").read();
        assertEquals(503, full.status());
        assertEquals(504, filling.read().status());
      }
      // client_gone
      try (Raw leaving = new Raw(port)) {
        leaving.write("GET /silent HTTP/1.1\r\nHost: x\r\n\r\n");
        awaitSample(port, token, "sparkplug_requests_pending{" + silentLabels + "}", "1");
      }
      awaitSample(
          port,
          token,
          "sparkplug_requests_total{" + silentLabels + ",outcome=\"client_gone\"}",
          "1");

      // One request for each rejection reason, each on its own connection.
      String[][] rejections = {
        {"bad_request", "400", "GET /echo HTTP/1.1\nHost: x\n\n"},
        {"uri_too_long", "414", "GET /echo/" + "a".repeat(300) + " HTTP/1.1\r\nHost: x\r\n\r\n"},
        {
          "headers_too_large",
          "431",
          "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(1100) + "\r\n\r\n"
        },
        {"body_too_large", "413", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"},
        {"not_found", "404", "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"},
        {"method_not_allowed", "405", "PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"},
        {"read_timeout", "408", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"},
        {"unauthorized", "401", "GET /secure HTTP/1.1\r\nHost: x\r\n\r\n"},
      };
      for (String[] rejection : rejections) {
        try (Raw raw = new Raw(port)) {
          assertEquals(
              Integer.parseInt(rejection[1]),
              raw.write(rejection[2]).read().status(),
              rejection[0]);
        }
      }

      // rejected_stopping: a request on a service whose query is stopping (and draining one that
      // a batch has read) gets 503 with Retry-After, a tenth of the default 30 s requestTimeout.
      try (Raw held = new Raw(port)) {
        held.write("GET /drain HTTP/1.1\r\nHost: x\r\n\r\n");
        Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    TestQueries.metric(draining, "requestsAccepted") == 1
                        && TestQueries.metric(draining, "requestsNotYetPlanned") == 0);
        CompletableFuture<Void> stopping =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    draining.stop();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
        Awaitility.await()
            .atMost(Duration.ofSeconds(7))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> Http.get(port, "/-/health").statusCode() == 503);
        try (Raw late = new Raw(port)) {
          RawResponse stopped = late.write("GET /drain HTTP/1.1\r\nHost: x\r\n\r\n").read();
          assertEquals(503, stopped.status());
          assertEquals("3", stopped.header("retry-after"));
        }
        assertEquals(
            "1",
            sampleOf(
                port,
                token,
                "sparkplug_requests_total{"
                    + p
                    + ",path=\"/drain\",outcome=\"rejected_stopping\"}"));
        stopping.get(60, TimeUnit.SECONDS);
        assertEquals(503, held.read().status());
      }

      Map<String, String> samples = scrape(port, token);
      String[] outcomes = {
        "replied", "timed_out", "rejected_full", "rejected_stopping", "failed", "client_gone"
      };
      for (String outcome : outcomes) {
        String want =
            switch (outcome) {
              case "timed_out", "rejected_full", "client_gone" -> "1";
              default -> "0";
            };
        assertSample(
            samples,
            "sparkplug_requests_total{" + silentLabels + ",outcome=\"" + outcome + "\"}",
            want);
      }
      assertSample(
          samples, "sparkplug_requests_total{" + p + ",path=\"/echo\",outcome=\"replied\"}", "1");
      for (String[] rejection : rejections) {
        assertSample(
            samples,
            "sparkplug_requests_rejected_total{" + p + ",reason=\"" + rejection[0] + "\"}",
            "1");
      }
      // The drained service has left the port with its query.
      assertFalse(
          samples.keySet().stream().anyMatch(k -> k.contains("/drain")), samples.toString());
    } finally {
      echo.stop();
      silent.stop();
      secure.stop();
      draining.stop();
    }
  }

  /**
   * The {@code failed} outcome: a query that fails answers its pending requests 500 and leaves the
   * port at once, so no scrape can see its count; the stop summary in the log is where it shows.
   */
  @Test
  void failedOutcomeIsCountedInTheStopSummary() throws Exception {
    int port = TestSpark.freePort();
    org.apache.spark.sql.expressions.UserDefinedFunction fail =
        org.apache.spark.sql.functions.udf(
            (org.apache.spark.sql.api.java.UDF1<byte[], String>)
                body -> {
                  throw new IllegalStateException("boom");
                },
            org.apache.spark.sql.types.DataTypes.StringType);
    try (LogCapture log = LogCapture.open(org.apache.logging.log4j.Level.INFO)) {
      StreamingQuery failing =
          TestQueries.serve(
              TestSpark.requests(port).select(col("id"), fail.apply(col("body")).as("body")));
      TestSpark.awaitReady(port, failing);
      assertEquals(500, Http.post(port, "/", "x").statusCode());
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !failing.isActive());
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> !log.containing("stopped (query failed)").isEmpty());
      String summary = log.containing("stopped (query failed)").get(0).message();
      assertTrue(summary.contains("port " + port), summary);
      assertTrue(summary.matches(".*\\brequestsFailed=1[,}].*"), summary);
      assertTrue(summary.matches(".*\\brequestsAccepted=1[,}].*"), summary);
    }
  }

  private static void awaitSample(int port, String token, String series, String value) {
    Awaitility.await(series + " = " + value)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> value.equals(sampleOf(port, token, series)));
  }

  private static String[] concat(String[] first, String... more) {
    String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
    System.arraycopy(more, 0, all, first.length, more.length);
    return all;
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
                  TestSpark.uiMetricTotal("replies delivered") >= 4
                      && TestSpark.uiMetricTotal("requests read") >= 4
                      && TestSpark.uiMetricTotal("request body bytes read") >= 16);
    } finally {
      echo.stop();
    }
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
