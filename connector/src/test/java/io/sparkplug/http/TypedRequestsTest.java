package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.to_json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code requestSchema}: every type arrives typed in the {@code request} column, and every bad body
 * gets 400 with a problem document naming the field, without reaching the query. One query serves
 * two typed services on one port: {@code /typed} ignores unknown fields and takes bodies up to 16
 * MB, {@code /strict} rejects unknown fields and keeps the 1 MB default.
 */
@Timeout(300)
class TypedRequestsTest {
  static final String SCHEMA =
      "b TINYINT, s SMALLINT, i INT NOT NULL, l BIGINT, f FLOAT, d DOUBLE, dec DECIMAL(10,2),"
          + " str STRING, flag BOOLEAN, bin BINARY, day DATE, at TIMESTAMP, local TIMESTAMP_NTZ,"
          + " tags ARRAY<STRING>, counts MAP<STRING, INT>,"
          + " items ARRAY<STRUCT<item: STRING NOT NULL, quantity: INT NOT NULL>>,"
          + " nested STRUCT<name: STRING, inner: STRUCT<x: INT>>";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROBLEM = "application/problem+json";
  private static int port;
  private static StreamingQuery query;

  @BeforeAll
  static void start() throws TimeoutException {
    SparkSession spark = TestSpark.session().newSession();
    spark.conf().set("spark.sql.session.timeZone", "UTC");
    port = TestSpark.freePort();
    Dataset<Row> typed = source(spark, "/typed", "maxBodyBytes", "16m");
    Dataset<Row> strict = source(spark, "/strict", "unknownFields", "reject");
    query =
        TestQueries.serve(
            typed.union(strict).select(col("id"), to_json(col("request")).as("body")));
    TestSpark.awaitListening(port);
  }

  private static Dataset<Row> source(SparkSession spark, String path, String... options) {
    var reader =
        spark
            .readStream()
            .format("sparkplug-http")
            .option("port", port)
            .option("path", path)
            .option("requestSchema", SCHEMA);
    for (int i = 0; i < options.length; i += 2) {
      reader = reader.option(options[i], options[i + 1]);
    }
    return reader.load();
  }

  @AfterAll
  static void stop() throws TimeoutException {
    query.stop();
    TestSpark.awaitNotListening(port);
  }

  static HttpResponse<String> postJson(int port, String path, String json) {
    return Http.send(
        HttpRequest.newBuilder(Http.uri(port, path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  /** A 400 problem document; returns its first error. */
  static JsonNode assertInvalid(HttpResponse<String> response) throws Exception {
    assertEquals(400, response.statusCode(), response.body());
    assertEquals(PROBLEM, response.headers().firstValue("content-type").orElse(""));
    JsonNode problem = JSON.readTree(response.body());
    assertEquals("urn:sparkplug-http:problem:invalid-request", problem.get("type").asText());
    assertEquals("Invalid request body", problem.get("title").asText());
    assertEquals(400, problem.get("status").asInt());
    assertTrue(problem.get("detail").asText().endsWith("."), response.body());
    assertTrue(problem.get("errors").size() >= 1, response.body());
    return problem.get("errors").get(0);
  }

  @Test
  void everyTypeArrivesTyped() throws Exception {
    String body =
        "{\"b\":-128,\"s\":32767,\"i\":7,\"l\":9007199254740993,\"f\":1.5,\"d\":-2.25e-3,"
            + "\"dec\":12.5,\"str\":\"h\\u00e9llo\",\"flag\":true,\"bin\":\"AQID\","
            + "\"day\":\"2026-01-31\",\"at\":\"2026-01-31T12:00:00+01:00\","
            + "\"local\":\"2026-01-31T12:00:00\",\"tags\":[\"a\",null],\"counts\":{\"x\":1},"
            + "\"items\":[{\"item\":\"pear\",\"quantity\":4}],"
            + "\"nested\":{\"name\":\"n\",\"inner\":{\"x\":3}},\"ignored\":{\"deep\":[1,2]}}";
    HttpResponse<String> response = postJson(port, "/typed", body);
    assertEquals(200, response.statusCode(), response.body());
    JsonNode row = JSON.readTree(response.body());
    assertEquals(-128, row.get("b").asInt());
    assertEquals(32767, row.get("s").asInt());
    assertEquals(7, row.get("i").asInt());
    assertEquals(9007199254740993L, row.get("l").asLong());
    assertEquals(1.5, row.get("f").asDouble());
    assertEquals(-2.25e-3, row.get("d").asDouble());
    assertTrue(response.body().contains("\"dec\":12.50,"), response.body());
    assertEquals("h\u00e9llo", row.get("str").asText());
    assertTrue(row.get("flag").asBoolean());
    assertEquals("AQID", row.get("bin").asText());
    assertEquals("2026-01-31", row.get("day").asText());
    assertEquals("2026-01-31T11:00:00.000Z", row.get("at").asText());
    assertEquals("2026-01-31T12:00:00.000", row.get("local").asText());
    assertEquals("[\"a\",null]", row.get("tags").toString());
    assertEquals("{\"x\":1}", row.get("counts").toString());
    assertEquals("[{\"item\":\"pear\",\"quantity\":4}]", row.get("items").toString());
    assertEquals("{\"name\":\"n\",\"inner\":{\"x\":3}}", row.get("nested").toString());
  }

  @Test
  void nullableFieldsMayBeMissingOrNull() throws Exception {
    HttpResponse<String> response = postJson(port, "/strict", "{\"i\":1,\"str\":null}");
    assertEquals(200, response.statusCode(), response.body());
    // to_json leaves nulls out: only the required field is there.
    assertEquals("{\"i\":1}", response.body());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "wrong type|{\"i\":\"7\"}|/i|expected an integer (INT), got a string",
        "missing required|{\"str\":\"x\"}|/i|missing required field, expected an integer (INT)",
        "null for NOT NULL|{\"i\":null}|/i|expected an integer (INT), got null (NOT NULL)",
        "fraction for an integer|{\"i\":1.5}|/i|got a number with a fraction or exponent",
        "int out of range|{\"i\":3000000000}|/i|got 3000000000, out of range [-2147483648,"
            + " 2147483647]",
        "tinyint out of range|{\"i\":1,\"b\":128}|/b|out of range [-128, 127]",
        "bigint out of range|{\"i\":1,\"l\":99999999999999999999}|/l|out of range",
        "float out of range|{\"i\":1,\"f\":1e39}|/f|expected a number (FLOAT), got 1e39, out of"
            + " range",
        "double out of range|{\"i\":1,\"d\":1e999}|/d|out of range",
        "decimal too large|{\"i\":1,\"dec\":123456789}|/dec|more than 8 digits before the point",
        "decimal huge exponent|{\"i\":1,\"dec\":1e999999999}|/dec|digits before the point",
        "decimal too precise|{\"i\":1,\"dec\":1.234}|/dec|more than 2 digits after the point",
        "string for boolean|{\"i\":1,\"flag\":\"yes\"}|/flag|expected a boolean (BOOLEAN), got a"
            + " string",
        "number for string|{\"i\":1,\"str\":5}|/str|expected a string (STRING), got an integer",
        "bad base64|{\"i\":1,\"bin\":\"not base64!\"}|/bin|expected a base64 string (BINARY)",
        "bad date|{\"i\":1,\"day\":\"31/01/2026\"}|/day|expected an ISO 8601 date",
        "timestamp without offset|{\"i\":1,\"at\":\"2026-01-31T12:00:00\"}|/at|with an offset",
        "bad local timestamp|{\"i\":1,\"local\":\"noon\"}|/local|(TIMESTAMP_NTZ)",
        "object for array|{\"i\":1,\"tags\":{}}|/tags|expected an array (ARRAY<STRING>), got an"
            + " object",
        "array element|{\"i\":1,\"tags\":[\"a\",2]}|/tags/1|expected a string (STRING), got an"
            + " integer",
        "map value|{\"i\":1,\"counts\":{\"a/b\":\"x\"}}|/counts/a~1b|expected an integer (INT)",
        "array for map|{\"i\":1,\"counts\":[]}|/counts|expected an object (MAP<STRING, INT>)",
        "nested array field|{\"i\":1,\"items\":[{\"item\":\"a\",\"quantity\":\"x\"}]}"
            + "|/items/0/quantity|expected an integer (INT), got a string",
        "nested missing|{\"i\":1,\"items\":[{\"item\":\"a\"}]}|/items/0/quantity|missing required"
            + " field",
        "nested struct|{\"i\":1,\"nested\":{\"inner\":{\"x\":true}}}|/nested/inner/x|expected an"
            + " integer (INT), got a boolean",
        "string for struct|{\"i\":1,\"nested\":\"n\"}|/nested|expected an object (STRUCT), got a"
            + " string",
        "duplicate field|{\"i\":1,\"i\":2}|/i|duplicate field",
        "not an object|[1,2]||expected an object (STRUCT), got an array",
        "not JSON|{\"i\":1,|/i|Unexpected end-of-input",
        "garbage|hello||Unrecognized token",
        "trailing content|{\"i\":1} {\"i\":2}||unexpected content after the JSON object",
        "empty body|``||expected a JSON object, got an empty body",
      })
  void badBodiesGet400NamingTheField(String name, String body, String pointer, String detail)
      throws Exception {
    JsonNode error = assertInvalid(postJson(port, "/typed", body));
    assertEquals(pointer == null ? "" : pointer, error.get("pointer").asText(), error.toString());
    assertTrue(error.get("detail").asText().contains(detail), error.toString());
  }

  @Test
  void problemDocumentHasTheDocumentedShape() throws Exception {
    HttpResponse<String> response =
        postJson(port, "/typed", "{\"i\":1,\"items\":[{\"item\":\"a\",\"quantity\":\"x\"}]}");
    assertEquals(
        "{\"type\":\"urn:sparkplug-http:problem:invalid-request\",\"title\":\"Invalid request"
            + " body\",\"status\":400,\"detail\":\"One field of the request body does not match"
            + " the requestSchema.\",\"errors\":[{\"pointer\":\"/items/0/quantity\",\"detail\":"
            + "\"expected an integer (INT), got a string\"}]}",
        response.body());
  }

  @Test
  void everyFailingFieldIsListed() throws Exception {
    HttpResponse<String> response = postJson(port, "/typed", "{\"b\":\"x\",\"s\":\"y\"}");
    JsonNode problem = JSON.readTree(response.body());
    assertEquals(400, response.statusCode());
    assertEquals(
        "3 fields of the request body do not match the requestSchema.",
        problem.get("detail").asText());
    assertEquals("/b", problem.get("errors").get(0).get("pointer").asText());
    assertEquals("/s", problem.get("errors").get(1).get("pointer").asText());
    assertEquals("/i", problem.get("errors").get(2).get("pointer").asText());
  }

  @Test
  void unknownFieldsAreRejectedOnlyWhenAsked() throws Exception {
    assertEquals(200, postJson(port, "/typed", "{\"i\":1,\"extra\":[1]}").statusCode());
    JsonNode error = assertInvalid(postJson(port, "/strict", "{\"i\":1,\"extra\":[1]}"));
    assertEquals("/extra", error.get("pointer").asText());
    assertTrue(error.get("detail").asText().startsWith("unknown field"), error.toString());
  }

  @Test
  void nestingBeyondMaxJsonDepthIs400() throws Exception {
    String deep = "{\"i\":1,\"extra\":" + "[".repeat(64) + "]".repeat(64) + "}";
    JsonNode error = assertInvalid(postJson(port, "/typed", deep));
    assertEquals("nesting deeper than maxJsonDepth (64)", error.get("detail").asText());
    String fits = "{\"i\":1,\"extra\":" + "[".repeat(62) + "]".repeat(62) + "}";
    assertEquals(200, postJson(port, "/typed", fits).statusCode());
  }

  @Test
  void aNumberOverAThousandCharactersIs400() throws Exception {
    JsonNode error =
        assertInvalid(postJson(port, "/typed", "{\"i\":1,\"d\":" + "1".repeat(1001) + "}"));
    assertEquals("a number longer than 1000 characters", error.get("detail").asText());
  }

  @Test
  void aJsonBodyNeedsAJsonContentType() throws Exception {
    for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded"}) {
      HttpResponse<String> response =
          Http.send(
              HttpRequest.newBuilder(Http.uri(port, "/typed"))
                  .header("Content-Type", type)
                  .POST(HttpRequest.BodyPublishers.ofString("{\"i\":1}"))
                  .build());
      assertEquals(415, response.statusCode());
      assertEquals(PROBLEM, response.headers().firstValue("content-type").orElse(""));
      JsonNode problem = JSON.readTree(response.body());
      assertEquals("about:blank", problem.get("type").asText());
      assertEquals("Unsupported Media Type", problem.get("title").asText());
      assertEquals(415, problem.get("status").asInt());
    }
    // No Content-Type at all is taken for JSON, and the body decides.
    try (Http.Raw raw = new Http.Raw(port)) {
      raw.write("POST /typed HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n{\"i\":1}");
      Http.RawResponse untyped = raw.read();
      assertEquals(200, untyped.status(), untyped.body());
      raw.write("POST /typed HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
      assertEquals(400, raw.read().status());
    }
    HttpResponse<String> charset =
        Http.send(
            HttpRequest.newBuilder(Http.uri(port, "/typed"))
                .header("Content-Type", "Application/JSON; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString("{\"i\":1}"))
                .build());
    assertEquals(200, charset.statusCode(), charset.body());
  }

  @Test
  void aRefusedBodyKeepsTheConnection() {
    try (Http.Raw raw = new Http.Raw(port)) {
      String bad = "{\"i\":\"x\"}";
      String good = "{\"i\":2}";
      raw.write(
          "POST /typed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
              + bad.length()
              + "\r\n\r\n"
              + bad
              + "POST /typed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              + "Content-Length: "
              + good.length()
              + "\r\n\r\n"
              + good);
      Http.RawResponse first = raw.read();
      assertEquals(400, first.status());
      assertEquals(PROBLEM, first.header("content-type"));
      Http.RawResponse second = raw.read();
      assertEquals(200, second.status(), second.body());
      assertEquals("{\"i\":2}", second.body());
    }
  }

  @Test
  void hostileBodiesCostBoundedTimeAndGet400Or413() throws Exception {
    long started = System.nanoTime();
    // 100,000 levels of nesting: Jackson stops at maxJsonDepth.
    String deep = "{\"i\":1,\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
    assertEquals(
        "nesting deeper than maxJsonDepth (64)",
        assertInvalid(postJson(port, "/typed", deep)).get("detail").asText());
    // 10 MB of one string where an integer belongs.
    String huge = "{\"i\":\"" + "x".repeat(10 * 1024 * 1024) + "\"}";
    JsonNode error = assertInvalid(postJson(port, "/typed", huge));
    assertEquals("/i", error.get("pointer").asText());
    assertEquals("expected an integer (INT), got a string", error.get("detail").asText());
    // The same body over the 1 MB limit of /strict: 413 on its Content-Length, before any of it
    // is read (a client still sending when the server closes may see a reset instead, so the
    // body is not sent here).
    try (Http.Raw raw = new Http.Raw(port)) {
      raw.write(
          "POST /strict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              + "Content-Length: "
              + huge.length()
              + "\r\n\r\n");
      Problems.assertProblem(raw.read(), 413, "Content Too Large");
    }
    // A million small unknown fields, ignored, then the required field is missing.
    StringBuilder many = new StringBuilder(12 * 1_000_000).append('{');
    for (int k = 0; k < 1_000_000; k++) {
      many.append(k == 0 ? "" : ",").append("\"f").append(k).append("\":0");
    }
    many.append('}');
    error = assertInvalid(postJson(port, "/typed", many.toString()));
    assertEquals("/i", error.get("pointer").asText());
    // The same on /strict stops at the first errors, whatever follows.
    JsonNode problem =
        JSON.readTree(postJson(port, "/strict", many.substring(0, 500_000) + "}").body());
    assertTrue(problem.get("errors").size() <= 16, problem.toString());
    assertTrue(
        System.nanoTime() - started < Duration.ofSeconds(60).toNanos(),
        "hostile bodies took over 60 s");
    // The event loop is free: an ordinary request is answered at once.
    assertEquals(200, postJson(port, "/typed", "{\"i\":5}").statusCode());
  }

  @Test
  void refusalsAreCounted() throws Exception {
    assertInvalid(postJson(port, "/typed", "{}"));
    String metrics = Http.get(port, "/-/metrics").body();
    assertTrue(
        metrics.matches("(?s).*reason=\"invalid_body\"} [1-9].*"),
        "no invalid_body count in\n" + metrics);
    TestQueries.awaitMetric(query, "rejectedInvalidBody", 1);
  }
}
