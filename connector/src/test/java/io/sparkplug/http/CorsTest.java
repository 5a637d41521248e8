package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkplug.http.Http.Raw;
import io.sparkplug.http.Http.RawResponse;
import java.util.List;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** OPTIONS, CORS and HEAD over raw sockets, against real queries. */
@Timeout(180)
class CorsTest {
  static final String ALLOWED = "http://app.example.test:8443";
  static final String TOKEN = "cors-test-token";

  /** corsOrigins and authToken set; replies with "method:body". */
  private static int corsPort;

  /** No CORS option, GET only; replies with the method the row shows. */
  private static int plainPort;

  private static StreamingQuery cors;
  private static StreamingQuery plain;

  @BeforeAll
  static void start() throws Exception {
    corsPort = TestSpark.freePort();
    cors =
        TestQueries.serve(
            TestSpark.requests(
                    corsPort,
                    "path",
                    "/api",
                    "corsOrigins",
                    ALLOWED + ", http://other.example.test",
                    "authToken",
                    TOKEN)
                .select(
                    col("id"),
                    concat(col("method"), lit(":"), col("body").cast("string")).as("body")));
    plainPort = TestSpark.freePort();
    plain =
        TestQueries.serve(
            TestSpark.requests(plainPort, "path", "/get-only", "methods", "GET")
                .select(col("id"), col("method").as("body")));
    TestSpark.awaitListening(corsPort);
    TestSpark.awaitListening(plainPort);
  }

  @AfterAll
  static void stop() throws Exception {
    for (StreamingQuery query : List.of(cors, plain)) {
      query.stop();
    }
  }

  private static RawResponse exchange(int port, String request) {
    try (Raw raw = new Raw(port)) {
      return raw.write(request).read();
    }
  }

  @Test
  void preflightFromAnAllowedOriginNeedsNoToken() {
    RawResponse response =
        exchange(
            corsPort,
            "OPTIONS /api HTTP/1.1\r\nHost: x\r\nOrigin: "
                + ALLOWED
                + "\r\nAccess-Control-Request-Method: POST\r\n"
                + "Access-Control-Request-Headers: content-type, authorization\r\n\r\n");
    assertEquals(204, response.status());
    assertEquals(ALLOWED, response.header("access-control-allow-origin"));
    assertEquals("GET, HEAD, OPTIONS, POST", response.header("access-control-allow-methods"));
    assertEquals("content-type, authorization", response.header("access-control-allow-headers"));
    assertEquals("600", response.header("access-control-max-age"));
    assertTrue(response.header("vary").contains("Origin"), response.headers().toString());
    assertEquals("GET, HEAD, OPTIONS, POST", response.header("allow"));
    assertEquals("", response.body());
  }

  @Test
  void preflightWithoutRequestedHeadersGetsAList() {
    RawResponse response =
        exchange(
            corsPort,
            "OPTIONS /api HTTP/1.1\r\nHost: x\r\nOrigin: http://other.example.test\r\n"
                + "Access-Control-Request-Method: GET\r\n\r\n");
    assertEquals(204, response.status());
    assertEquals("http://other.example.test", response.header("access-control-allow-origin"));
    assertEquals("Authorization, Content-Type", response.header("access-control-allow-headers"));
  }

  @Test
  void preflightFromAnotherOriginGetsNoCorsHeaders() {
    RawResponse response =
        exchange(
            corsPort,
            "OPTIONS /api HTTP/1.1\r\nHost: x\r\nOrigin: http://evil.example.test\r\n"
                + "Access-Control-Request-Method: POST\r\n\r\n");
    assertEquals(204, response.status());
    assertEquals("GET, HEAD, OPTIONS, POST", response.header("allow"));
    for (String name : response.headers().keySet()) {
      assertFalse(name.startsWith("access-control-"), response.headers().toString());
    }
  }

  @Test
  void repliesToAnAllowedOriginNameItAndStillNeedTheToken() {
    String body = "{\"a\":1}";
    RawResponse ok =
        exchange(
            corsPort,
            "POST /api HTTP/1.1\r\nHost: x\r\nOrigin: "
                + ALLOWED
                + "\r\nAuthorization: Bearer "
                + TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length()
                + "\r\n\r\n"
                + body);
    assertEquals(200, ok.status());
    assertEquals("POST:" + body, ok.body());
    assertEquals(ALLOWED, ok.header("access-control-allow-origin"));
    assertEquals("Origin", ok.header("vary"));

    RawResponse refused =
        exchange(
            corsPort,
            "POST /api HTTP/1.1\r\nHost: x\r\nOrigin: "
                + ALLOWED
                + "\r\nContent-Length: 0\r\n\r\n");
    assertEquals(401, refused.status());
    // The browser may read why it was refused, WWW-Authenticate included.
    assertEquals(ALLOWED, refused.header("access-control-allow-origin"));
    assertTrue(
        refused.header("access-control-expose-headers").contains("WWW-Authenticate"),
        refused.headers().toString());
    assertNull(ok.header("access-control-expose-headers"), "nothing beyond the safelist to show");

    RawResponse stranger =
        exchange(
            corsPort,
            "GET /api HTTP/1.1\r\nHost: x\r\nOrigin: http://evil.example.test\r\n"
                + "Authorization: Bearer "
                + TOKEN
                + "\r\n\r\n");
    assertEquals(200, stranger.status());
    assertNull(stranger.header("access-control-allow-origin"));
    // Not a CORS header: a cache must not hand this reply to an allowed origin.
    assertEquals("Origin", stranger.header("vary"));
  }

  @Test
  void openApiIsReadableCrossOriginWithTheToken() {
    RawResponse preflight =
        exchange(
            corsPort,
            "OPTIONS /-/openapi.json HTTP/1.1\r\nHost: x\r\nOrigin: "
                + ALLOWED
                + "\r\nAccess-Control-Request-Method: GET\r\n"
                + "Access-Control-Request-Headers: authorization\r\n\r\n");
    assertEquals(204, preflight.status());
    assertEquals(ALLOWED, preflight.header("access-control-allow-origin"));
    assertEquals("authorization", preflight.header("access-control-allow-headers"));
    RawResponse doc =
        exchange(
            corsPort,
            "GET /-/openapi.json HTTP/1.1\r\nHost: x\r\nOrigin: "
                + ALLOWED
                + "\r\nAuthorization: Bearer "
                + TOKEN
                + "\r\n\r\n");
    assertEquals(200, doc.status());
    assertEquals(ALLOWED, doc.header("access-control-allow-origin"));
    assertTrue(doc.body().contains("\"/api\""));
  }

  @Test
  void withoutTheOptionOptionsGets204WithAllowAnd404StaysForUnknownPaths() {
    try (Raw raw = new Raw(plainPort)) {
      RawResponse options =
          raw.write(
                  "OPTIONS /get-only HTTP/1.1\r\nHost: x\r\nOrigin: http://a.test\r\n"
                      + "Access-Control-Request-Method: GET\r\n\r\n")
              .read();
      assertEquals(204, options.status());
      assertEquals("GET, HEAD, OPTIONS", options.header("allow"));
      assertNull(options.header("access-control-allow-origin"));
      // The connection stays usable: OPTIONS is an ordinary exchange.
      RawResponse get = raw.write("GET /get-only HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertEquals(200, get.status());
    }
    RawResponse unknown = exchange(plainPort, "OPTIONS /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
    assertEquals(404, unknown.status());
    RawResponse post = exchange(plainPort, "POST /get-only HTTP/1.1\r\nHost: x\r\n\r\n");
    assertEquals(405, post.status());
    assertEquals("GET, HEAD, OPTIONS", post.header("allow"));
  }

  @Test
  void headAnswersLikeGetWithoutTheBody() {
    try (Raw raw = new Raw(plainPort)) {
      // Pipelined on one connection: a HEAD response that carried a body would corrupt the GET's.
      raw.write(
          "HEAD /get-only HTTP/1.1\r\nHost: x\r\n\r\nGET /get-only HTTP/1.1\r\nHost: x\r\n\r\n");
      RawResponse head = raw.readHeadersOnly();
      RawResponse get = raw.read();
      assertEquals(200, head.status());
      assertEquals(get.status(), head.status());
      assertEquals("GET", get.body());
      // HEAD reaches the query as the GET it mirrors: same Content-Length, same headers.
      assertEquals("3", head.header("content-length"));
      assertEquals(get.header("content-type"), head.header("content-type"));
      assertEquals(get.headers().keySet(), head.headers().keySet());
    }
  }

  @Test
  void invalidCorsOriginsFailTheQueryNamingTheOption() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery query =
        TestQueries.echo(TestSpark.requests(port, "corsOrigins", "app.example.test/path"));
    StreamingQueryException failure =
        assertThrows(StreamingQueryException.class, () -> query.awaitTermination(60_000));
    assertTrue(failure.getMessage().contains("option 'corsOrigins'"), failure.getMessage());
    TestSpark.awaitNotListening(port);
  }
}
