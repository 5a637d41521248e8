package io.sparkplug.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkplug.examples.common.Triggers;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The quote service through a real HTTP client: one query, every kind of answer. */
@Timeout(180)
class QuoteServiceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private static SparkSession spark;
  private static StreamingQuery query;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    // The session and the trigger QuoteService.main uses: what the README's command runs.
    spark = QuoteService.session("local[2]");
    port = freePort();
    query =
        QuoteService.start(spark, port, Files.createTempDirectory("quote-service-test").toString());
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> canConnect(port));
  }

  @AfterAll
  static void stop() throws Exception {
    if (query != null) {
      query.stop();
    }
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void servesInRealTimeModeByDefault() throws Exception {
    assertTrue(Triggers.realTime(query), "QuoteService does not run Spark's real-time trigger");
    // Answered while the first real-time batch still runs: no micro-batch was needed for it.
    assertEquals(200, post("{\"item\":\"pear\",\"quantity\":1}").statusCode());
  }

  @Test
  void knownItemIsQuoted() throws Exception {
    HttpResponse<String> response = post("{\"item\":\"apple\",\"quantity\":3}");
    assertEquals(200, response.statusCode(), response.body());
    assertEquals(
        "{\"item\":\"apple\",\"quantity\":3,\"unitPrice\":0.5,\"total\":1.5}", response.body());
    assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
  }

  @Test
  void totalIsRoundedToCents() throws Exception {
    HttpResponse<String> response = post("{\"item\":\"cherry\",\"quantity\":3}");
    assertEquals(200, response.statusCode(), response.body());
    assertEquals(
        "{\"item\":\"cherry\",\"quantity\":3,\"unitPrice\":0.1,\"total\":0.3}", response.body());
  }

  @Test
  void unknownItemIs404() throws Exception {
    HttpResponse<String> response = post("{\"item\":\"kiwi\",\"quantity\":1}");
    assertEquals(404, response.statusCode());
    assertEquals("{\"error\":\"unknown item 'kiwi'\"}", response.body());
    assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
  }

  /** A body the requestSchema refuses: 400 with the problem document, from the server. */
  private static JsonNode assertRefused(String body, String pointer, String detail)
      throws Exception {
    HttpResponse<String> response = post(body);
    assertEquals(400, response.statusCode(), body + " -> " + response.body());
    assertEquals(
        "application/problem+json", response.headers().firstValue("content-type").orElse(""));
    JsonNode problem = JSON.readTree(response.body());
    assertEquals("urn:sparkplug-http:problem:invalid-request", problem.get("type").asText());
    assertEquals(400, problem.get("status").asInt());
    JsonNode error = problem.get("errors").get(0);
    assertEquals(pointer, error.get("pointer").asText(), response.body());
    assertTrue(error.get("detail").asText().contains(detail), response.body());
    return problem;
  }

  @Test
  void invalidJsonIs400() throws Exception {
    assertRefused("not json", "", "Unrecognized token 'not'");
    assertRefused("{\"item\":", "/item", "end-of-input");
    assertRefused("", "", "expected a JSON object, got an empty body");
    assertRefused("[1,2]", "", "expected an object (STRUCT), got an array");
    assertRefused("42", "", "expected an object (STRUCT), got an integer");
  }

  @Test
  void quantityOfTheWrongTypeIs400() throws Exception {
    assertRefused(
        "{\"item\":\"apple\",\"quantity\":\"three\"}",
        "/quantity",
        "expected an integer (INT), got a string");
  }

  @Test
  void missingFieldsAre400() throws Exception {
    assertRefused("{\"quantity\":3}", "/item", "missing required field, expected a string");
    JsonNode problem = assertRefused("{\"item\":\"apple\"}", "/quantity", "missing required field");
    assertEquals(
        "{\"type\":\"urn:sparkplug-http:problem:invalid-request\",\"title\":\"Invalid request"
            + " body\",\"status\":400,\"detail\":\"One field of the request body does not match"
            + " the requestSchema.\",\"errors\":[{\"pointer\":\"/quantity\",\"detail\":"
            + "\"missing required field, expected an integer (INT)\"}]}",
        problem.toString());
  }

  @Test
  void aBodyThatIsNotDeclaredJsonIs415() throws Exception {
    HttpResponse<String> response =
        CLIENT.send(
            HttpRequest.newBuilder(uri())
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"item\":\"apple\",\"quantity\":3}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(415, response.statusCode());
    assertEquals(
        "application/problem+json", response.headers().firstValue("content-type").orElse(""));
  }

  @Test
  void nonPositiveQuantityIs400() throws Exception {
    HttpResponse<String> response = post("{\"item\":\"apple\",\"quantity\":0}");
    assertEquals(400, response.statusCode());
    assertEquals("{\"error\":\"quantity must be positive\"}", response.body());
  }

  @Test
  void getIsNotAllowed() throws Exception {
    HttpResponse<String> response =
        CLIENT.send(
            HttpRequest.newBuilder(uri()).timeout(Duration.ofSeconds(60)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(405, response.statusCode());
    assertEquals("OPTIONS, POST", response.headers().firstValue("allow").orElse(""));
    assertEquals(
        "{\"type\":\"about:blank\",\"title\":\"Method Not Allowed\",\"status\":405,"
            + "\"detail\":\"Method Not Allowed\"}",
        response.body());
  }

  private static HttpResponse<String> post(String body) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(uri())
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri() {
    return URI.create("http://127.0.0.1:" + port + "/quote");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static boolean canConnect(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      // A probe that connected to itself (TCP simultaneous open) found no listener.
      return socket.getLocalPort() != port;
    } catch (IOException e) {
      return false;
    }
  }
}
