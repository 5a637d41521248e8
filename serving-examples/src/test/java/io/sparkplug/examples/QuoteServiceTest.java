package io.sparkplug.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  @Test
  void invalidJsonIs400() throws Exception {
    for (String body : new String[] {"not json", "{\"item\":", "", "[1,2]", "42"}) {
      HttpResponse<String> response = post(body);
      assertEquals(400, response.statusCode(), body + " -> " + response.body());
      assertEquals(
          "{\"error\":\"body must be a JSON object like {\\\"item\\\":\\\"apple\\\",\\\"quantity\\\":3}\"}",
          response.body(),
          "body: " + body);
    }
  }

  @Test
  void quantityOfTheWrongTypeIs400() throws Exception {
    HttpResponse<String> response = post("{\"item\":\"apple\",\"quantity\":\"three\"}");
    assertEquals(400, response.statusCode(), response.body());
  }

  @Test
  void missingFieldsAre400() throws Exception {
    HttpResponse<String> noItem = post("{\"quantity\":3}");
    assertEquals(400, noItem.statusCode());
    assertEquals("{\"error\":\"missing field 'item'\"}", noItem.body());

    HttpResponse<String> noQuantity = post("{\"item\":\"apple\"}");
    assertEquals(400, noQuantity.statusCode());
    assertEquals("{\"error\":\"missing field 'quantity'\"}", noQuantity.body());
    assertEquals("application/json", noQuantity.headers().firstValue("content-type").orElse(""));
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
