package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.to_json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Path templates and the {@code params} column: one query serves a template, a literal path of the
 * same length, a second template and a plain literal path on one port, and replies with which
 * service answered and the row's {@code params}.
 */
@Timeout(300)
class PathTemplatesTest {
  private static int port;
  private static StreamingQuery query;

  @BeforeAll
  static void start() throws TimeoutException {
    port = TestSpark.freePort();
    Dataset<Row> all =
        served("/users/{id}/recommendations", "user")
            .union(served("/users/me/recommendations", "me"))
            .union(served("/files/{name}", "file"))
            .union(served("/plain", "plain"));
    query = TestQueries.serve(all);
    TestSpark.awaitListening(port);
  }

  private static Dataset<Row> served(String path, String marker) {
    return TestSpark.requests(port, "path", path)
        .select(col("id"), concat(lit(marker + " "), to_json(col("params"))).as("body"));
  }

  @AfterAll
  static void stop() throws TimeoutException {
    query.stop();
    TestSpark.awaitNotListening(port);
  }

  private static String get(String target) {
    HttpResponse<String> response = Http.get(port, target);
    assertEquals(200, response.statusCode(), target + ": " + response.body());
    return response.body();
  }

  @Test
  void templateValuesAndQueryParametersArriveInParams() {
    assertEquals("user {\"id\":\"42\"}", get("/users/42/recommendations"));
    assertEquals(
        "user {\"limit\":\"5\",\"id\":\"42\"}", get("/users/42/recommendations?limit=5&id=9"));
  }

  @Test
  void valuesArePercentDecoded() {
    assertEquals(
        "user {\"q\":\"a b&c\",\"id\":\"a b/c\"}",
        get("/users/a%20b%2Fc/recommendations?q=a+b%26c"));
    assertEquals("file {\"name\":\"caf\u00e9+1\"}", get("/files/caf%C3%A9+1"));
  }

  @Test
  void aLiteralSegmentBeatsAParameter() {
    assertEquals("me {}", get("/users/me/recommendations"));
  }

  @Test
  void aTemplateAlsoAnswersBelowItself() {
    assertEquals("user {\"id\":\"7\"}", get("/users/7/recommendations/more"));
  }

  @Test
  void aPathTheTemplateDoesNotMatchIs404() {
    assertEquals(404, Http.get(port, "/users/42").statusCode());
    assertEquals(404, Http.get(port, "/users//recommendations").statusCode());
    assertEquals(404, Http.get(port, "/users/42/recommendationsx").statusCode());
  }

  @Test
  void literalPathsGetQueryParametersToo() {
    assertEquals("plain {}", get("/plain"));
    assertEquals("plain {\"x\":\"1,2\",\"flag\":\"\"}", get("/plain?x=1&x=2&flag"));
    assertEquals("plain {\"x\":\"1\"}", get("/plain/sub?x=1"));
  }

  @Test
  void twoTemplatesOfTheSameShapeOnOnePortAreRefused() throws Exception {
    StreamingQuery clash =
        TestQueries.serve(
            TestSpark.requests(port, "path", "/users/{name}/recommendations")
                .select(col("id"), col("body")));
    Exception failure =
        org.junit.jupiter.api.Assertions.assertThrows(
            Exception.class, () -> clash.awaitTermination(60_000));
    assertTrue(
        failure
            .getMessage()
            .contains("overlaps ambiguously with path '/users/{id}/recommendations'"),
        failure.getMessage());
    assertEquals("user {\"id\":\"1\"}", get("/users/1/recommendations"));
  }
}
