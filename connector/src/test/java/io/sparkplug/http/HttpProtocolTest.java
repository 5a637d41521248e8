package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkplug.http.Http.Raw;
import io.sparkplug.http.Http.RawResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What clients see at the protocol level: bad input never reaches the query and gets the right
 * status with {@code Connection: close}; keep-alive, pipelining and chunked bodies work.
 */
@Timeout(120)
class HttpProtocolTest {
  private static int port;
  private static int slowPort;
  private static StreamingQuery echo;
  private static StreamingQuery slowEcho;

  @BeforeAll
  static void start() throws TimeoutException {
    port = TestSpark.freePort();
    echo =
        TestQueries.echo(
            TestSpark.requests(port, "path", "/echo", "maxBodyBytes", "1k", "numPartitions", "2"));
    slowPort = TestSpark.freePort();
    slowEcho =
        TestQueries.echo(TestSpark.requests(slowPort, "readTimeout", "700ms", "idleTimeout", "1s"));
    TestSpark.awaitListening(port);
    TestSpark.awaitListening(slowPort);
  }

  @AfterAll
  static void stop() throws TimeoutException {
    echo.stop();
    slowEcho.stop();
  }

  private static void assertRejected(RawResponse response, int status, Raw connection) {
    assertEquals(status, response.status(), response.toString());
    Problems.assertProblem(response, status, null);
    assertEquals("close", response.header("connection"));
    assertTrue(connection.closedByServer(Duration.ofSeconds(10)), "connection left open");
  }

  @Test
  void garbageRequestLineGets400() {
    try (Raw raw = new Raw(port)) {
      assertRejected(raw.write("THIS IS NOT HTTP\r\n\r\n").read(), 400, raw);
    }
  }

  @Test
  void malformedHeaderGets400() {
    try (Raw raw = new Raw(port)) {
      raw.write("GET /echo HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n");
      assertRejected(raw.read(), 400, raw);
    }
  }

  @Test
  void duplicateContentLengthGets400() {
    try (Raw raw = new Raw(port)) {
      raw.write(
          "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
      assertRejected(raw.read(), 400, raw);
    }
  }

  @Test
  void missingHostOnHttp11Gets400() {
    try (Raw raw = new Raw(port)) {
      RawResponse response = raw.write("GET /echo HTTP/1.1\r\n\r\n").read();
      Problems.assertProblem(response, 400, "Bad Request: missing Host header");
      assertRejected(response, 400, raw);
    }
  }

  @Test
  void overlongRequestLineGets414() {
    try (Raw raw = new Raw(port)) {
      raw.write("GET /echo?" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
      assertRejected(raw.read(), 414, raw);
    }
  }

  @Test
  void oversizedHeaderBlockGets431() {
    try (Raw raw = new Raw(port)) {
      raw.write("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(10_000) + "\r\n\r\n");
      assertRejected(raw.read(), 431, raw);
    }
  }

  @Test
  void bodyOverLimitGets413() {
    try (Raw raw = new Raw(port)) {
      raw.write(
          "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n" + "x".repeat(2000));
      assertRejected(raw.read(), 413, raw);
    }
  }

  @Test
  void chunkedBodyOverLimitGets413() {
    try (Raw raw = new Raw(port)) {
      raw.write("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      raw.write(
          "300\r\n" + "x".repeat(0x300) + "\r\n300\r\n" + "y".repeat(0x300) + "\r\n0\r\n\r\n");
      assertRejected(raw.read(), 413, raw);
    }
  }

  @Test
  void expectContinueOverLimitGets413WithoutContinue() {
    try (Raw raw = new Raw(port)) {
      raw.write(
          "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
      assertRejected(raw.read(), 413, raw);
    }
  }

  @Test
  void expectContinueWithinLimitGets100ThenTheReply() {
    try (Raw raw = new Raw(port)) {
      raw.write(
          "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      assertEquals(100, raw.read().status());
      RawResponse response = raw.write("hello").read();
      assertEquals(200, response.status());
      assertEquals("hello", response.body());
    }
  }

  @Test
  void unknownExpectationGets417() {
    try (Raw raw = new Raw(port)) {
      raw.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: magic\r\n\r\nx");
      assertRejected(raw.read(), 417, raw);
    }
  }

  @Test
  void unknownPathGets404() {
    try (Raw raw = new Raw(port)) {
      RawResponse response = raw.write("GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertEquals(
          "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
              + "\"detail\":\"Not Found\"}",
          response.body());
      assertRejected(response, 404, raw);
    }
  }

  @Test
  void pathPrefixMatchesOnlyWholeSegments() {
    try (Raw raw = new Raw(port)) {
      assertRejected(raw.write("GET /echoes HTTP/1.1\r\nHost: x\r\n\r\n").read(), 404, raw);
    }
    assertEquals(200, Http.get(port, "/echo/sub/path").statusCode());
  }

  @Test
  void methodOutsideTheAllowedSetGets405WithAllow() {
    try (Raw raw = new Raw(port)) {
      RawResponse response = raw.write("DELETE /echo HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertEquals("GET, HEAD, OPTIONS, POST", response.header("allow"));
      Problems.assertProblem(response, 405, "Method Not Allowed");
      assertRejected(response, 405, raw);
    }
  }

  @Test
  void headRequestGetsHeadersWithoutBody() throws Exception {
    int headPort = TestSpark.freePort();
    StreamingQuery methodEcho =
        TestQueries.serve(
            TestSpark.requests(headPort, "methods", "GET,HEAD")
                .select(col("id"), col("method").as("body")));
    try {
      TestSpark.awaitListening(headPort);
      var response =
          Http.send(
              java.net.http.HttpRequest.newBuilder(Http.uri(headPort, "/"))
                  .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody())
                  .build());
      assertEquals(200, response.statusCode());
      assertEquals("4", response.headers().firstValue("content-length").orElse(""));
      assertEquals("", response.body());
      assertEquals("GET", Http.get(headPort, "/").body());
    } finally {
      methodEcho.stop();
    }
  }

  @Test
  void keepAliveConnectionServesManyRequests() {
    try (Raw raw = new Raw(port)) {
      for (int i = 0; i < 5; i++) {
        RawResponse response =
            raw.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n" + i).read();
        assertEquals(200, response.status());
        assertEquals(Integer.toString(i), response.body());
        assertEquals(null, response.header("connection"));
      }
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() {
    int count = 40;
    StringBuilder pipeline = new StringBuilder();
    for (int i = 0; i < count; i++) {
      String body = "req-" + i;
      pipeline
          .append("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ")
          .append(body.length())
          .append("\r\n\r\n")
          .append(body);
    }
    try (Raw raw = new Raw(port)) {
      List<RawResponse> responses = raw.write(pipeline.toString()).read(count);
      for (int i = 0; i < count; i++) {
        assertEquals(200, responses.get(i).status());
        assertEquals("req-" + i, responses.get(i).body());
      }
    }
  }

  @Test
  void errorAfterPipelinedRequestsComesAfterTheirReplies() {
    try (Raw raw = new Raw(port)) {
      raw.write(
          "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
              + "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
      RawResponse first = raw.read();
      assertEquals(200, first.status());
      assertEquals("one", first.body());
      assertRejected(raw.read(), 404, raw);
    }
  }

  @Test
  void chunkedRequestBodyIsReassembled() {
    try (Raw raw = new Raw(port)) {
      raw.write("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      raw.write("5\r\nhello\r\n");
      raw.write("6\r\n world\r\n0\r\n\r\n");
      RawResponse response = raw.read();
      assertEquals(200, response.status());
      assertEquals("hello world", response.body());
    }
  }

  @Test
  void http10RequestIsAnsweredAndClosed() {
    try (Raw raw = new Raw(port)) {
      RawResponse response = raw.write("GET /echo HTTP/1.0\r\n\r\n").read();
      assertEquals(200, response.status());
      assertTrue(raw.closedByServer(Duration.ofSeconds(10)));
    }
  }

  @Test
  void connectionCloseRequestIsAnsweredThenClosed() {
    try (Raw raw = new Raw(port)) {
      RawResponse response =
          raw.write("GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
      assertEquals(200, response.status());
      assertEquals("close", response.header("connection"));
      assertTrue(raw.closedByServer(Duration.ofSeconds(10)));
    }
  }

  @Test
  void clientTricklingItsHeadersIsCutOffAtTheReadTimeout() {
    try (Raw raw = new Raw(slowPort)) {
      raw.write("GET / HTTP/1.1\r\nHost: x\r\n");
      boolean closed = false;
      // Keep sending a header line every 100 ms, so that the connection is never idle: only a
      // read timeout that counts from the first byte (700 ms) cuts it off. A timeout restarted by
      // each byte would let it trickle for the whole 20 s bound (no speed is assumed).
      for (int i = 0; i < 200 && !closed; i++) {
        closed = raw.closedByServer(Duration.ofMillis(100));
        if (!closed) {
          try {
            raw.write("X-Slow-" + i + ": y\r\n");
          } catch (java.io.UncheckedIOException e) {
            closed = true;
          }
        }
      }
      assertTrue(closed, "a trickling client was never cut off in 20 s");
    }
  }

  @Test
  void clientSendingHalfABodyIsCutOffWith408() {
    try (Raw raw = new Raw(slowPort)) {
      raw.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
      RawResponse response = raw.read();
      Problems.assertProblem(response, 408, "Request Timeout");
      assertRejected(response, 408, raw);
    }
  }

  @Test
  void idleKeepAliveConnectionIsClosed() {
    try (Raw raw = new Raw(slowPort)) {
      assertEquals(200, raw.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
      assertTrue(raw.closedByServer(Duration.ofSeconds(5)));
    }
  }

  @Test
  void silentConnectionIsClosed() {
    try (Raw raw = new Raw(slowPort)) {
      assertTrue(raw.closedByServer(Duration.ofSeconds(5)));
    }
  }
}
