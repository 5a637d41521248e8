package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.upper;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The request and reply row contracts, through a real client and a real query. */
@Timeout(120)
class RequestReplyTest {
  private static int port;
  private static StreamingQuery rows;
  private static StreamingQuery upper;
  private static StreamingQuery statuses;
  private static StreamingQuery binary;

  @BeforeAll
  static void start() throws TimeoutException {
    port = TestSpark.freePort();
    // One service answers with the request row it saw, as JSON; another upper-cases the body and
    // sets status and headers.
    rows =
        TestQueries.serve(
            TestSpark.requests(port, "path", "/rows", "methods", "GET,POST,PUT")
                .select(
                    col("id"),
                    to_json(
                            struct(
                                col("id"),
                                col("method"),
                                col("path"),
                                col("query"),
                                col("headers"),
                                col("body").cast("string").as("body"),
                                col("receivedAt")))
                        .as("body")),
            "contentType",
            "application/json");
    upper =
        TestQueries.serve(
            TestSpark.requests(port, "path", "/upper")
                .select(
                    col("id"),
                    upper(col("body").cast("string")).as("body"),
                    lit(201).as("status"),
                    map(
                            lit("x-served-by"),
                            lit("sparkplug"),
                            lit("content-type"),
                            lit("text/x-upper"))
                        .as("headers")));
    // The status is whatever the query string says; the body a string, without a content type.
    statuses =
        TestQueries.serve(
            TestSpark.requests(port, "path", "/status")
                .select(
                    col("id"),
                    lit("status body").as("body"),
                    col("query").cast("int").as("status")));
    // The request body as is: a binary reply body, without a content type.
    binary =
        TestQueries.serve(
            TestSpark.requests(port, "path", "/binary").select(col("id"), col("body")));
    TestSpark.awaitReady(port, rows);
    TestSpark.awaitFirstProgress(upper);
    TestSpark.awaitFirstProgress(statuses);
    TestSpark.awaitFirstProgress(binary);
  }

  @AfterAll
  static void stop() throws TimeoutException {
    rows.stop();
    upper.stop();
    statuses.stop();
    binary.stop();
  }

  @Test
  void defaultContentTypeFollowsTheBodyType() {
    // docs/options.md, sink option contentType: text/plain for a string body, octet-stream for
    // binary; a content-type in the headers column wins (replyStatusAndHeadersComeFromTheReplyRow).
    HttpResponse<String> text = Http.get(port, "/status?200");
    assertEquals(200, text.statusCode());
    assertEquals("status body", text.body());
    assertEquals("text/plain; charset=utf-8", text.headers().firstValue("content-type").orElse(""));
    HttpResponse<String> bytes = Http.post(port, "/binary", "raw bytes");
    assertEquals(200, bytes.statusCode());
    assertEquals("raw bytes", bytes.body());
    assertEquals("application/octet-stream", bytes.headers().firstValue("content-type").orElse(""));
  }

  @Test
  void statusOutside200To599Becomes500WithAWarning() {
    // docs/options.md, reply column status: 200-599; outside the range the client gets 500 and
    // the log a warning. Both ends of the range pass as they are.
    assertEquals(200, Http.get(port, "/status?200").statusCode());
    assertEquals(599, Http.get(port, "/status?599").statusCode());
    try (LogCapture log = LogCapture.open()) {
      for (String status : new String[] {"199", "100", "600", "-1", "99999"}) {
        HttpResponse<String> response = Http.get(port, "/status?" + status);
        assertEquals(500, response.statusCode(), "status " + status);
        assertEquals("Internal Server Error", Http.errorText(response.body()), "status " + status);
      }
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> log.containing("is not valid HTTP").size() >= 5);
      assertTrue(
          log.containing("is not valid HTTP").stream()
              .allMatch(line -> line.logger().equals("io.sparkplug.http.server.Responses")),
          log.containing("is not valid HTTP").toString());
    }
  }

  @Test
  void requestRowCarriesMethodPathQueryHeadersAndBody() {
    HttpResponse<String> response =
        Http.send(
            HttpRequest.newBuilder(Http.uri(port, "/rows/item/7?q=spark&n=2"))
                .header("X-Trace", "abc")
                .PUT(HttpRequest.BodyPublishers.ofString("hello"))
                .build());
    assertEquals(200, response.statusCode());
    assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
    String json = response.body();
    assertTrue(json.contains("\"method\":\"PUT\""), json);
    assertTrue(json.contains("\"path\":\"/rows/item/7\""), json);
    assertTrue(json.contains("\"query\":\"q=spark&n=2\""), json);
    assertTrue(json.contains("\"x-trace\":\"abc\""), json);
    assertTrue(json.contains("\"body\":\"hello\""), json);
    assertTrue(json.contains("\"receivedAt\":\"20"), json);
  }

  @Test
  void getWithoutBodyHasEmptyBodyAndQuery() {
    HttpResponse<String> response = Http.get(port, "/rows");
    assertEquals(200, response.statusCode());
    assertTrue(response.body().contains("\"query\":\"\""), response.body());
    assertTrue(response.body().contains("\"body\":\"\""), response.body());
  }

  @Test
  void replyStatusAndHeadersComeFromTheReplyRow() {
    HttpResponse<String> response = Http.post(port, "/upper", "make me loud");
    assertEquals(201, response.statusCode());
    assertEquals("MAKE ME LOUD", response.body());
    assertEquals("sparkplug", response.headers().firstValue("x-served-by").orElse(""));
    assertEquals("text/x-upper", response.headers().firstValue("content-type").orElse(""));
  }

  @Test
  void eachOfManyConcurrentRequestsGetsItsOwnReply() throws Exception {
    int clients = 64;
    java.util.List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> futures =
        new java.util.ArrayList<>();
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    for (int i = 0; i < clients; i++) {
      futures.add(
          client.sendAsync(
              HttpRequest.newBuilder(Http.uri(port, "/upper"))
                  .timeout(Duration.ofSeconds(60))
                  .POST(HttpRequest.BodyPublishers.ofString("request-" + i))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < clients; i++) {
      HttpResponse<String> response = futures.get(i).get();
      assertEquals(201, response.statusCode());
      assertEquals("REQUEST-" + i, response.body());
    }
  }

  @Test
  void idsAreUniquePerRequest() {
    String first = Http.get(port, "/rows").body();
    String second = Http.get(port, "/rows").body();
    String firstId = first.substring(first.indexOf("\"id\":\"") + 6, first.indexOf("\",\"method"));
    String secondId =
        second.substring(second.indexOf("\"id\":\"") + 6, second.indexOf("\",\"method"));
    assertTrue(!firstId.equals(secondId), firstId + " vs " + secondId);
  }
}
