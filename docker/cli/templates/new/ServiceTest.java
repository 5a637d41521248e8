package @PACKAGE@;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sparkplug.http.SparkPlugHttp;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The service on an embedded Spark, called through a real HTTP client: the typed {@code POST
 * /hello}, the path template {@code GET /hello/{name}}, the connector's 400 for a body that does
 * not match the request schema, and the OpenAPI document of the port.
 */
@Timeout(300)
class @CLASS@Test {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static SparkSession spark;
  private static StreamingQuery query;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    // The connector's serving settings, as main() uses them.
    spark =
        SparkPlugHttp.servingSession(SparkSession.builder())
            .master("local[2]")
            .appName("@NAME@-test")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    port = freePort();
    String checkpoint = Files.createTempDirectory("@NAME@-test").toString();
    // The trigger main() uses by default: Spark's real-time mode.
    query = @CLASS@.start(spark, Integer.toString(port), "driver", "0", checkpoint, "realtime");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!listening(port)) {
      if (System.nanoTime() > deadline || !query.isActive()) {
        throw new IllegalStateException("the service did not start listening on port " + port);
      }
      Thread.sleep(50);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (query != null) {
      SparkPlugHttp.stop(query);
    }
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void greetsTheNameInTheJsonBody() throws Exception {
    HttpResponse<String> response = postJson("{\"name\":\"Ada\"}");
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("{\"greeting\":\"Hello, Ada!\"}", response.body());
    assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
  }

  @Test
  void usesTheOptionalSalutation() throws Exception {
    HttpResponse<String> response =
        postJson("{\"name\":\"Ada\",\"salutation\":\"Bonjour\"}");
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("{\"greeting\":\"Bonjour, Ada!\"}", response.body());
  }

  @Test
  void greetsTheNameInThePath() throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/hello/Grace")).GET());
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("{\"greeting\":\"Hello, Grace!\"}", response.body());
    assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
  }

  @Test
  void aBodyWithoutANameGets400FromTheConnector() throws Exception {
    assertInvalid(
        "{\"salutation\":\"Hi\"}", "missing required field, expected a string (STRING)");
  }

  @Test
  void aNameThatIsNotAStringGets400FromTheConnector() throws Exception {
    assertInvalid("{\"name\":42}", "expected a string (STRING), got an integer");
  }

  /** The server refuses the body itself, as RFC 9457 problem+json naming /name. */
  private static void assertInvalid(String body, String detail) throws Exception {
    HttpResponse<String> response = postJson(body);
    assertEquals(400, response.statusCode(), response.body());
    assertEquals(
        "application/problem+json", response.headers().firstValue("content-type").orElse(""));
    JsonNode problem = JSON.readTree(response.body());
    assertEquals(400, problem.path("status").asInt(), response.body());
    JsonNode error = problem.path("errors").path(0);
    assertEquals("/name", error.path("pointer").asText(), response.body());
    assertEquals(detail, error.path("detail").asText(), response.body());
  }

  @Test
  void theOpenApiDocumentHasTheRequestSchema() throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/-/openapi.json")).GET());
    assertEquals(200, response.statusCode(), response.body());
    JsonNode paths = JSON.readTree(response.body()).path("paths");
    JsonNode schema =
        paths
            .path("/hello")
            .path("post")
            .path("requestBody")
            .path("content")
            .path("application/json")
            .path("schema");
    assertEquals("object", schema.path("type").asText(), response.body());
    assertEquals("string", schema.path("properties").path("name").path("type").asText());
    assertTrue(schema.path("properties").has("salutation"), schema.toString());
    assertEquals("[\"name\"]", schema.path("required").toString());
    assertTrue(paths.path("/hello/{name}").has("get"), paths.toString());
  }

  private static HttpResponse<String> postJson(String json) throws Exception {
    return send(
        HttpRequest.newBuilder(uri("/hello"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return CLIENT.send(
        request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return socket.getLocalPort() != port;
    } catch (IOException e) {
      return false;
    }
  }
}
