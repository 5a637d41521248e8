package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GET /-/openapi.json} of a port with several services, a path template, a requestSchema
 * with every type and a sink's replySchema, checked by swagger-parser (OpenAPI 3.1) and for the
 * shapes a client generator relies on.
 */
@Timeout(180)
class OpenApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String EVERY_TYPE =
      "name STRING NOT NULL, nick STRING, code VARCHAR(8), flag BOOLEAN NOT NULL, tiny TINYINT,"
          + " small SMALLINT, count INT NOT NULL, big BIGINT, ratio FLOAT, score DOUBLE,"
          + " price DECIMAL(10,2) NOT NULL, day DATE, at TIMESTAMP, local TIMESTAMP_NTZ,"
          + " raw BINARY, tags ARRAY<STRING>, scores ARRAY<DOUBLE>,"
          + " attrs MAP<STRING, INT>, address STRUCT<street: STRING NOT NULL, zip: INT> NOT NULL,"
          + " history ARRAY<STRUCT<at: DATE NOT NULL, note: STRING>>";
  static final String REPLY = "userId STRING NOT NULL, recommendations ARRAY<STRING>, score DOUBLE";
  static final String TOKEN = "openapi-test-token";

  private static int port;
  private static int guardedPort;
  private static StreamingQuery users;
  private static StreamingQuery echo;
  private static StreamingQuery guarded;

  @BeforeAll
  static void start() throws Exception {
    port = TestSpark.freePort();
    users =
        TestQueries.serve(
            TestSpark.requests(
                    port, "path", "/users/{id}/recommendations", "requestSchema", EVERY_TYPE)
                .select(col("id"), lit("{}").as("body")),
            "port",
            Integer.toString(port),
            "path",
            "/users/{id}/recommendations",
            "replySchema",
            REPLY);
    echo =
        TestQueries.serve(
            TestSpark.requests(port, "path", "/echo", "methods", "GET,POST,PUT,DELETE")
                .select(col("id"), col("body")),
            "port",
            Integer.toString(port),
            "path",
            "/echo");
    guardedPort = TestSpark.freePort();
    guarded =
        TestQueries.serve(
            TestSpark.requests(guardedPort, "path", "/secret", "authToken", TOKEN)
                .select(col("id"), col("body")));
    TestSpark.awaitListening(port);
    TestSpark.awaitListening(guardedPort);
    // Both queries serve on one port: wait until the second service has joined the first.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(60))
        .pollInterval(java.time.Duration.ofMillis(50))
        .until(
            () -> {
              if (!users.isActive()) {
                throw new AssertionError(
                    "the query stopped",
                    users.exception().isDefined() ? users.exception().get() : null);
              }
              return Http.get(port, "/-/health").body().contains("/users/{id}/recommendations");
            });
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(60))
        .pollInterval(java.time.Duration.ofMillis(50))
        .until(() -> Http.get(port, "/-/health").body().contains("/echo"));
  }

  @AfterAll
  static void stop() throws Exception {
    for (StreamingQuery query : List.of(users, echo, guarded)) {
      query.stop();
    }
  }

  private static String document(int onPort) {
    HttpResponse<String> response = Http.get(onPort, "/-/openapi.json");
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(
        response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
    return response.body();
  }

  /** Every message of the parser, warnings included, fails the test. */
  private static void assertValid(String json) {
    ParseOptions options = new ParseOptions();
    options.setResolve(false);
    SwaggerParseResult result = new OpenAPIV3Parser().readContents(json, null, options);
    assertNotNull(result.getOpenAPI(), "not parsed: " + result.getMessages());
    assertEquals(List.of(), result.getMessages(), "swagger-parser: " + result.getMessages());
    assertEquals("3.1.0", result.getOpenAPI().getOpenapi());
  }

  @Test
  void documentOfSeveralServicesIsValidOpenApi31() throws Exception {
    String json = document(port);
    assertValid(json);
    JsonNode doc = JSON.readTree(json);
    assertEquals("3.1.0", doc.path("openapi").asText());
    assertTrue(doc.at("/info/title").asText().contains("on port " + port), json);
    assertEquals("http://127.0.0.1:" + port, doc.at("/servers/0/url").asText());
    JsonNode paths = doc.path("paths");
    assertTrue(paths.has("/echo"), json);
    assertTrue(paths.has("/-/openapi.json"), json);
    for (String method : List.of("get", "post", "put", "delete", "head", "options")) {
      assertTrue(paths.path("/echo").has(method), "/echo lacks " + method);
    }
    assertTrue(paths.path("/echo").path("patch").isMissingNode());
    // An opaque body and an opaque reply where no schema was declared.
    assertTrue(paths.at("/~1echo/post/requestBody/content").has("*/*"));
    assertTrue(paths.at("/~1echo/get/responses/200/content").has("*/*"));
    assertTrue(paths.at("/~1echo/head/responses/200/content").isMissingNode());
  }

  @Test
  void pathTemplateHasPathParameters() throws Exception {
    JsonNode item = JSON.readTree(document(port)).path("paths").path("/users/{id}/recommendations");
    assertTrue(item.isObject());
    JsonNode parameter = item.at("/parameters/0");
    assertEquals("id", parameter.path("name").asText());
    assertEquals("path", parameter.path("in").asText());
    assertTrue(parameter.path("required").asBoolean());
  }

  @Test
  void requestSchemaBecomesJsonSchema() throws Exception {
    JsonNode schema =
        JSON.readTree(document(port))
            .at("/paths/~1users~1{id}~1recommendations/post/requestBody/content")
            .path("application/json")
            .path("schema");
    JsonNode p = schema.path("properties");
    assertEquals("object", schema.path("type").asText());
    assertEquals(
        List.of("name", "flag", "count", "price", "address"),
        JSON.convertValue(schema.path("required"), List.class));
    assertEquals("string", p.at("/name/type").asText());
    assertEquals(List.of("string", "null"), JSON.convertValue(p.at("/nick/type"), List.class));
    assertEquals(8, p.at("/code/maxLength").asInt());
    assertEquals("boolean", p.at("/flag/type").asText());
    assertEquals(-128, p.at("/tiny/minimum").asInt());
    assertEquals(32767, p.at("/small/maximum").asInt());
    assertEquals("integer", p.at("/count/type").asText());
    assertEquals(Integer.MAX_VALUE, p.at("/count/maximum").asInt());
    assertEquals(Long.MIN_VALUE, p.at("/big/minimum").asLong());
    assertEquals("float", p.at("/ratio/format").asText());
    assertEquals("double", p.at("/score/format").asText());
    assertEquals("number", p.at("/price/type").asText());
    assertEquals(
        0,
        p.at("/price/exclusiveMaximum").decimalValue().compareTo(new java.math.BigDecimal("1E+8")));
    assertEquals(
        0, p.at("/price/multipleOf").decimalValue().compareTo(new java.math.BigDecimal("0.01")));
    assertEquals("date", p.at("/day/format").asText());
    assertEquals("date-time", p.at("/at/format").asText());
    assertEquals("date-time", p.at("/local/format").asText());
    assertEquals("base64", p.at("/raw/contentEncoding").asText());
    assertEquals(
        List.of("string", "null"), JSON.convertValue(p.at("/tags/items/type"), List.class));
    assertEquals(
        List.of("number", "null"), JSON.convertValue(p.at("/scores/items/type"), List.class));
    assertEquals(
        List.of("integer", "null"),
        JSON.convertValue(p.at("/attrs/additionalProperties/type"), List.class));
    assertEquals("object", p.at("/address/type").asText());
    assertEquals("street", p.at("/address/required/0").asText());
    assertEquals("date", p.at("/history/items/properties/at/format").asText());
  }

  @Test
  void replySchemaAndEveryConnectorErrorAreDescribed() throws Exception {
    JsonNode doc = JSON.readTree(document(port));
    JsonNode post = doc.at("/paths/~1users~1{id}~1recommendations/post");
    JsonNode reply = post.at("/responses/200/content").path("application/json").path("schema");
    assertEquals("userId", reply.at("/required/0").asText(), reply.toString());
    assertEquals(
        List.of("array", "null"),
        JSON.convertValue(reply.at("/properties/recommendations/type"), List.class));
    for (String status :
        List.of("400", "404", "405", "408", "413", "414", "415", "431", "500", "503", "504")) {
      assertTrue(post.path("responses").has(status), "no " + status + " in " + post);
    }
    assertTrue(post.path("responses").path("401").isMissingNode(), "no token, no 401");
    JsonNode responses = doc.at("/components/responses");
    assertTrue(responses.at("/ServiceUnavailable/headers").has("Retry-After"));
    assertTrue(responses.at("/BadRequest/content").has("application/problem+json"));
    JsonNode invalid = doc.at("/components/schemas/InvalidRequestProblem");
    assertEquals(
        "urn:sparkplug-http:problem:invalid-request",
        invalid.at("/allOf/1/properties/type/const").asText());
    // The echo service's reply has no declared schema.
    assertTrue(
        doc.at("/paths/~1echo/post/responses/200/content").has("*/*"), "echo has no replySchema");
  }

  @Test
  void guardedLikeMetricsAndDescribesBearerAuth() throws Exception {
    assertEquals(401, Http.get(guardedPort, "/-/openapi.json").statusCode());
    HttpResponse<String> response =
        Http.send(
            HttpRequest.newBuilder(Http.uri(guardedPort, "/-/openapi.json"))
                .header("Authorization", "Bearer " + TOKEN)
                .build());
    assertEquals(200, response.statusCode());
    assertValid(response.body());
    JsonNode doc = JSON.readTree(response.body());
    assertEquals("bearer", doc.at("/components/securitySchemes/bearer/scheme").asText());
    assertEquals("http", doc.at("/components/securitySchemes/bearer/type").asText());
    JsonNode post = doc.at("/paths/~1secret/post");
    assertTrue(post.path("security").isArray());
    assertTrue(post.path("responses").has("401"));
  }

  @Test
  void headOfTheDocumentHasItsLength() {
    int length = document(port).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    HttpResponse<String> head =
        Http.send(
            HttpRequest.newBuilder(Http.uri(port, "/-/openapi.json"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build());
    assertEquals(200, head.statusCode());
    assertEquals(Integer.toString(length), head.headers().firstValue("content-length").orElse(""));
    assertEquals("", head.body());
  }

  @Test
  void executorServerPublishesItsServiceAndTheSinksReplySchema() throws Exception {
    int executorPort = TestSpark.freePort();
    String origin = "http://ui.example.test";
    StreamingQuery query =
        TestQueries.serve(
            TestSpark.requests(
                    executorPort,
                    "mode",
                    "executor",
                    "controlPort",
                    Integer.toString(TestSpark.freePort()),
                    "path",
                    "/score",
                    "requestSchema",
                    "x DOUBLE NOT NULL",
                    "corsOrigins",
                    origin)
                .select(col("id"), lit("{\"score\":1.0}").as("body")),
            "port",
            Integer.toString(executorPort),
            "path",
            "/score",
            "replySchema",
            "score DOUBLE NOT NULL");
    try {
      TestSpark.awaitListening(executorPort);
      // A reply task has run in the executor once a request was answered.
      assertEquals(200, Http.post(executorPort, "/score", "{\"x\":2}").statusCode());
      HttpResponse<String> response =
          Http.send(
              HttpRequest.newBuilder(Http.uri(executorPort, "/-/openapi.json"))
                  .header("Origin", origin)
                  .build());
      assertEquals(200, response.statusCode());
      assertEquals(origin, response.headers().firstValue("access-control-allow-origin").orElse(""));
      assertValid(response.body());
      JsonNode post = JSON.readTree(response.body()).at("/paths/~1score/post");
      assertEquals(
          "x",
          post.at("/requestBody/content")
              .path("application/json")
              .at("/schema/required/0")
              .asText());
      assertEquals(
          "score",
          post.at("/responses/200/content")
              .path("application/json")
              .at("/schema/required/0")
              .asText());
    } finally {
      query.stop();
    }
    TestSpark.awaitNotListening(executorPort);
  }

  @Test
  void invalidReplySchemaFailsTheQueryNamingTheOption() throws Exception {
    int other = TestSpark.freePort();
    StreamingQuery query =
        TestQueries.serve(
            TestSpark.requests(other).select(col("id"), col("body")),
            "replySchema",
            "not ddl at all ((");
    StreamingQueryException failure =
        org.junit.jupiter.api.Assertions.assertThrows(
            StreamingQueryException.class, () -> query.awaitTermination(60_000));
    assertTrue(failure.getMessage().contains("option 'replySchema'"), failure.getMessage());
    TestSpark.awaitNotListening(other);
  }

  @Test
  void invalidRequestSchemaFailsTheQueryNamingTheOption() throws Exception {
    int other = TestSpark.freePort();
    StreamingQuery query =
        TestQueries.echo(TestSpark.requests(other, "requestSchema", "a INT,, b"));
    StreamingQueryException failure =
        org.junit.jupiter.api.Assertions.assertThrows(
            StreamingQueryException.class, () -> query.awaitTermination(60_000));
    assertTrue(failure.getMessage().contains("option 'requestSchema'"), failure.getMessage());
    TestSpark.awaitNotListening(other);
  }
}
