package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code protocol=oip}: a Spark query serving the Open Inference Protocol (KServe v2 REST), spoken
 * to by a client written from the protocol's text (plain java.net.http): health and metadata, an
 * inference round trip through a linear model computed in Spark SQL, in micro-batch and real-time
 * mode, every refusal with its status and error object, and the answers validated against the
 * protocol's published OpenAPI schemas (test resource {@code oip/open_inference_rest.yaml}).
 */
@Timeout(300)
class OipTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "linear";
  private static final String VERSION = "3";
  private static final String INPUTS = "x ARRAY<DOUBLE> NOT NULL, scale INT NOT NULL";
  private static final String INFER = "/v2/models/linear/infer";
  private static JsonNode schemas;

  @BeforeAll
  static void protocolSchemas() throws Exception {
    try (InputStream yaml = OipTest.class.getResourceAsStream("/oip/open_inference_rest.yaml")) {
      JsonNode spec = new ObjectMapper(new YAMLFactory()).readTree(yaml);
      schemas = spec.get("components").get("schemas");
    }
  }

  /** Asserts {@code body} is a valid instance of the protocol's schema {@code name}. */
  private static void assertValid(String name, String body) throws Exception {
    java.util.List<String> errors = new java.util.ArrayList<>();
    validate(schemas.get(name), JSON.readTree(body), "", errors);
    assertTrue(errors.isEmpty(), name + ": " + errors + " for " + body);
  }

  /**
   * The part of JSON Schema the protocol's OpenAPI 3.0 schemas use: {@code $ref}, {@code type},
   * {@code properties}, {@code required}, {@code items}, {@code anyOf} and {@code
   * additionalProperties}. (The fge validator swagger-parser brings needs javax.mail, absent here.)
   */
  private static void validate(
      JsonNode schema, JsonNode value, String at, java.util.List<String> errors) {
    if (schema.has("$ref")) {
      String ref = schema.get("$ref").asText();
      validate(schemas.get(ref.substring(ref.lastIndexOf('/') + 1)), value, at, errors);
      return;
    }
    if (schema.has("anyOf")) {
      for (JsonNode option : schema.get("anyOf")) {
        java.util.List<String> mine = new java.util.ArrayList<>();
        validate(option, value, at, mine);
        if (mine.isEmpty()) {
          return;
        }
      }
      errors.add(at + ": matches no anyOf branch");
      return;
    }
    String type = schema.path("type").asText("");
    boolean ok =
        switch (type) {
          case "object" -> value.isObject();
          case "array" -> value.isArray();
          case "string" -> value.isTextual();
          case "integer" -> value.isIntegralNumber();
          case "number" -> value.isNumber();
          case "boolean" -> value.isBoolean();
          default -> true;
        };
    if (!ok) {
      errors.add(at + ": expected " + type + ", got " + value);
      return;
    }
    if (value.isObject()) {
      for (JsonNode required : schema.path("required")) {
        if (!value.has(required.asText())) {
          errors.add(at + ": missing " + required.asText());
        }
      }
      JsonNode properties = schema.path("properties");
      value
          .fields()
          .forEachRemaining(
              field -> {
                if (properties.has(field.getKey())) {
                  validate(
                      properties.get(field.getKey()),
                      field.getValue(),
                      at + "/" + field.getKey(),
                      errors);
                }
              });
    }
    if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        validate(schema.get("items"), value.get(i), at + "/" + i, errors);
      }
    }
  }

  /**
   * y = scale * (w . x) + b with w = [0.5, -1, 2], b = 0.25; the terms w_i x_i as a second output.
   */
  private static Dataset<Row> linearModel(SparkSession spark, int port, String... options) {
    var reader =
        spark
            .readStream()
            .format("sparkplug-http")
            .option("port", port)
            .option("protocol", "oip")
            .option("model", MODEL)
            .option("modelVersion", VERSION)
            .option("requestSchema", INPUTS);
    for (int i = 0; i < options.length; i += 2) {
      reader = reader.option(options[i], options[i + 1]);
    }
    return reader
        .load()
        .withColumn("terms", expr("zip_with(request.x, array(0.5D, -1D, 2D), (a, w) -> a * w)"))
        .select(
            col("id"),
            expr("aggregate(terms, 0D, (acc, t) -> acc + t) * request.scale + 0.25D").as("y"),
            col("terms"),
            expr("CASE WHEN size(request.x) != 3 THEN 'x must hold 3 values' END").as("error"));
  }

  private static StreamingQuery serveMicroBatch(Dataset<Row> replies, int port) throws Exception {
    return TestQueries.serve(
        replies, "protocol", "oip", "port", Integer.toString(port), "path", "/v2/models/linear");
  }

  static HttpResponse<String> post(int port, String path, String json) {
    return Http.send(
        HttpRequest.newBuilder(Http.uri(port, path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  private static HttpResponse<String> send(int port, String method, String path) {
    return Http.send(
        HttpRequest.newBuilder(Http.uri(port, path))
            .timeout(Duration.ofSeconds(60))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build());
  }

  private static void assertJson(int status, String body, HttpResponse<String> response) {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
    assertEquals(body, response.body());
  }

  private static void assertError(int status, String message, HttpResponse<String> response)
      throws Exception {
    ObjectNode expected = JSON.createObjectNode().put("error", message);
    assertJson(status, JSON.writeValueAsString(expected), response);
    assertValid("inference_error_response", response.body());
  }

  private static String request(String id, String inputs) {
    return "{" + (id == null ? "" : "\"id\":\"" + id + "\",") + "\"inputs\":[" + inputs + "]}";
  }

  private static final String X =
      "{\"name\":\"x\",\"shape\":[3],\"datatype\":\"FP64\",\"data\":[1,2,3]}";
  private static final String SCALE =
      "{\"name\":\"scale\",\"shape\":[1],\"datatype\":\"INT32\",\"data\":[2]}";

  /** The round trip every trigger must serve: the protocol's inference response, exact. */
  private static void assertInfers(int port) throws Exception {
    HttpResponse<String> response = post(port, INFER, request("42", X + "," + SCALE));
    assertJson(
        200,
        "{\"model_name\":\"linear\",\"model_version\":\"3\",\"id\":\"42\",\"outputs\":["
            + "{\"name\":\"y\",\"datatype\":\"FP64\",\"shape\":[1],\"data\":[9.25]},"
            + "{\"name\":\"terms\",\"datatype\":\"FP64\",\"shape\":[3],\"data\":[0.5,-2.0,6.0]}]}",
        response);
    assertValid("inference_response", response.body());
    // The versioned path, no id, the nested form of [1,3], and parameters (accepted, ignored).
    response =
        post(
            port,
            "/v2/models/linear/versions/3/infer",
            "{\"parameters\":{\"p\":1},\"inputs\":[{\"name\":\"scale\",\"shape\":[1,1],"
                + "\"datatype\":\"INT32\",\"data\":[[1]],\"parameters\":{\"q\":true}},"
                + "{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP64\",\"data\":[[0,0,1]]}]}");
    assertJson(
        200,
        "{\"model_name\":\"linear\",\"model_version\":\"3\",\"outputs\":["
            + "{\"name\":\"y\",\"datatype\":\"FP64\",\"shape\":[1],\"data\":[2.25]},"
            + "{\"name\":\"terms\",\"datatype\":\"FP64\",\"shape\":[3],\"data\":[0.0,-0.0,2.0]}]}",
        response);
    assertValid("inference_response", response.body());
  }

  @Test
  void driverModeMicroBatch() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery query = serveMicroBatch(linearModel(TestSpark.session(), port), port);
    try {
      TestSpark.awaitReady(port, query);
      assertHealthAndMetadata(port);
      assertInfers(port);
      assertRequestedOutputs(port);
      assertRefusals(port);
      assertOpenApi(port);
    } finally {
      query.stop();
    }
    TestSpark.awaitNotListening(port);
  }

  @Test
  void driverModeRealTime() throws Exception {
    SparkSession spark = TestSpark.session().newSession();
    spark.conf().set("spark.sql.streaming.realTimeMode.minBatchDuration", "1000");
    spark.conf().set("spark.sql.streaming.realTimeMode.allowlistCheck", "false");
    int port = TestSpark.freePort();
    StreamingQuery query =
        linearModel(spark, port)
            .writeStream()
            .format("sparkplug-http")
            .outputMode("update")
            .trigger(Trigger.RealTime(1000))
            .option("protocol", "oip")
            .option("checkpointLocation", TestSpark.checkpoint())
            .start();
    try {
      TestSpark.awaitReady(port, query);
      assertInfers(port);
      assertRequestedOutputs(port);
      assertError(
          400,
          "input 'x' has datatype FP32, but the model takes FP64",
          post(port, INFER, request(null, X.replace("FP64", "FP32") + "," + SCALE)));
      // Across a batch boundary too.
      long batch = TestQueries.lastBatchId(query);
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> TestQueries.lastBatchId(query) > batch);
      assertInfers(port);
    } finally {
      query.stop();
    }
    TestSpark.awaitNotListening(port);
  }

  /** Real-time mode through the foreach writer, which needs no allowlist setting. */
  @Test
  void driverModeRealTimeWithTheForeachWriter() throws Exception {
    SparkSession spark = TestSpark.session().newSession();
    spark.conf().set("spark.sql.streaming.realTimeMode.minBatchDuration", "1000");
    int port = TestSpark.freePort();
    StreamingQuery query =
        linearModel(spark, port)
            .writeStream()
            .foreach(SparkPlugHttp.oipReplyWriter())
            .outputMode("update")
            .trigger(Trigger.RealTime(1000))
            .option("checkpointLocation", TestSpark.checkpoint())
            .start();
    try {
      TestSpark.awaitReady(port, query);
      assertInfers(port);
      // The writer registered the outputs in this JVM, whose server serves the metadata.
      assertTrue(
          send(port, "GET", "/v2/models/linear")
              .body()
              .endsWith(
                  "\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP64\",\"shape\":[1]},"
                      + "{\"name\":\"terms\",\"datatype\":\"FP64\",\"shape\":[-1]}]}"));
      assertError(
          400,
          "x must hold 3 values",
          post(
              port,
              INFER,
              request(
                  null,
                  "{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[1]}," + SCALE)));
    } finally {
      query.stop();
    }
    TestSpark.awaitNotListening(port);
  }

  @Test
  void executorModeMicroBatch() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery query =
        TestQueries.serve(
            linearModel(TestSpark.session(), port, "mode", "executor"), "protocol", "oip");
    try {
      TestSpark.awaitListening(port);
      org.awaitility.Awaitility.await("the executor's model is ready")
          .atMost(Duration.ofSeconds(120))
          .ignoreExceptions()
          .until(() -> send(port, "GET", "/v2/models/linear/ready").statusCode() == 200);
      assertInfers(port);
      assertError(
          400, "missing input 'scale' (INT32, shape [1])", post(port, INFER, request(null, X)));
    } finally {
      query.stop();
    }
    TestSpark.awaitNotListening(port);
  }

  private static void assertHealthAndMetadata(int port) throws Exception {
    HttpResponse<String> live = send(port, "GET", "/v2/health/live");
    assertJson(200, "{\"live\":true}", live);
    assertJson(200, "{\"ready\":true}", send(port, "GET", "/v2/health/ready"));
    HttpResponse<String> server = send(port, "GET", "/v2");
    JsonNode metadata = JSON.readTree(server.body());
    assertEquals(200, server.statusCode());
    assertEquals("sparkplug-http", metadata.get("name").asText());
    assertTrue(!metadata.get("version").asText().isEmpty(), server.body());
    assertEquals("[]", metadata.get("extensions").toString());
    assertValid("metadata_server_response", server.body());
    String model =
        "{\"name\":\"linear\",\"versions\":[\"3\"],\"platform\":\"spark_sql\",\"inputs\":["
            + "{\"name\":\"x\",\"datatype\":\"FP64\",\"shape\":[-1]},"
            + "{\"name\":\"scale\",\"datatype\":\"INT32\",\"shape\":[1]}],\"outputs\":["
            + "{\"name\":\"y\",\"datatype\":\"FP64\",\"shape\":[1]},"
            + "{\"name\":\"terms\",\"datatype\":\"FP64\",\"shape\":[-1]}]}";
    HttpResponse<String> meta = send(port, "GET", "/v2/models/linear");
    assertJson(200, model, meta);
    assertValid("metadata_model_response", meta.body());
    assertJson(200, model, send(port, "GET", "/v2/models/linear/versions/3"));
    assertJson(
        200, "{\"name\":\"linear\",\"ready\":true}", send(port, "GET", "/v2/models/linear/ready"));
    assertJson(
        200,
        "{\"name\":\"linear\",\"ready\":true}",
        send(port, "GET", "/v2/models/linear/versions/3/ready"));
    HttpResponse<String> options = send(port, "OPTIONS", "/v2/health/live");
    assertEquals(204, options.statusCode());
    assertEquals("GET, HEAD, OPTIONS", options.headers().firstValue("allow").orElse(""));
    HttpResponse<String> head = send(port, "HEAD", "/v2/models/linear");
    assertEquals(200, head.statusCode());
    assertEquals("", head.body());
  }

  private static void assertRequestedOutputs(int port) throws Exception {
    HttpResponse<String> response =
        post(
            port,
            INFER,
            "{\"id\":\"o\",\"inputs\":["
                + X
                + ","
                + SCALE
                + "],\"outputs\":[{\"name\":\"terms\"}]}");
    assertJson(
        200,
        "{\"model_name\":\"linear\",\"model_version\":\"3\",\"id\":\"o\",\"outputs\":["
            + "{\"name\":\"terms\",\"datatype\":\"FP64\",\"shape\":[3],\"data\":[0.5,-2.0,6.0]}]}",
        response);
    assertError(
        400,
        "unknown output 'z'; the model's outputs are y, terms",
        post(port, INFER, "{\"inputs\":[" + X + "," + SCALE + "],\"outputs\":[{\"name\":\"z\"}]}"));
    // The query's own refusal: the error column, as the protocol's error object.
    assertError(
        400,
        "x must hold 3 values",
        post(
            port,
            INFER,
            request(
                null,
                "{\"name\":\"x\",\"shape\":[2],\"datatype\":\"FP64\",\"data\":[1,2]}," + SCALE)));
  }

  private static void assertRefusals(int port) throws Exception {
    String before = Http.get(port, "/-/metrics").body();
    // The protocol's own example request, as published: UINT32 and BOOL inputs this model lacks.
    String example;
    try (InputStream in =
        OipTest.class.getResourceAsStream("/oip/inference_rest_example_request.json")) {
      example = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertValid("inference_request", example);
    assertError(
        400, "unknown input 'input0'; the model's inputs are x, scale", post(port, INFER, example));
    String[][] cases = {
      {"", "the request body is empty; an inference request (a JSON object) is required"},
      {
        "{\"inputs\":",
        "the request body is not valid JSON: Unexpected end-of-input within/between Object entries"
      },
      {"[1]", "the inference request must be a JSON object"},
      {"{}", "'inputs' must be an array of input tensors"},
      {"{\"id\":7,\"inputs\":[]}", "'id' must be a string"},
      {"{\"parameters\":[],\"inputs\":[]}", "'parameters' must be an object"},
      {request(null, X), "missing input 'scale' (INT32, shape [1])"},
      {request(null, X + "," + SCALE + "," + X), "input 'x' is given twice"},
      {request(null, "{\"shape\":[1]}"), "inputs[0] needs a 'name' string"},
      {
        request(null, X.replace("FP64", "FP32") + "," + SCALE),
        "input 'x' has datatype FP32, but the model takes FP64"
      },
      {
        request(null, X.replace(",\"datatype\":\"FP64\"", "") + "," + SCALE),
        "input 'x' needs a 'datatype' string (FP64)"
      },
      {
        request(null, X.replace("[3]", "[4]") + "," + SCALE),
        "input 'x': shape [4] holds 4 elements, but 'data' has 3"
      },
      {
        request(null, X.replace("[3]", "[3,1]") + "," + SCALE),
        "input 'x': shape [3,1] does not fit ARRAY<DOUBLE>; expected [n] or [1,n]"
      },
      {
        request(null, X.replace("[3]", "[-3]") + "," + SCALE),
        "input 'x': shape [-3] must list non-negative integers"
      },
      {
        request(null, X.replace("\"shape\":[3],", "") + "," + SCALE),
        "input 'x' needs a 'shape' array of dimensions"
      },
      {
        request(null, X.replace("[1,2,3]", "\"AAA=\"") + "," + SCALE),
        "input 'x' needs a 'data' array (the binary tensor extension is not supported)"
      },
      {
        request(null, X.replace("[1,2,3]", "[1,\"2\",3]") + "," + SCALE),
        "input 'x': data[1] is a string, but FP64 takes numbers"
      },
      {
        request(null, X + "," + SCALE.replace("[2]", "[2.5]")),
        "input 'scale': data[0] is a number with a fraction or exponent, but INT32 takes integers"
      },
      {
        request(null, X + "," + SCALE.replace("[2]", "[3000000000]")),
        "input 'scale': data[0] = 3000000000 is out of range for INT32 [-2147483648, 2147483647]"
      },
      {
        request(null, X + "," + SCALE.replace("[2]", "[null]")),
        "input 'scale': data[0] is null, but INT32 takes integers"
      },
      {
        "{\"inputs\":[" + X + "," + SCALE + "],\"outputs\":{}}",
        "'outputs' must be an array of {\"name\": ...} objects"
      },
    };
    for (String[] c : cases) {
      assertError(400, c[1], post(port, INFER, c[0]));
    }
    assertError(
        404, "unknown model 'other'", post(port, "/v2/models/other/infer", request(null, X)));
    assertError(
        404,
        "unknown version '9' of model 'linear'; it has version 3",
        post(port, "/v2/models/linear/versions/9/infer", request(null, X)));
    assertError(
        404,
        "no such path of model 'linear': /v2/models/linear/explain",
        send(port, "GET", "/v2/models/linear/explain"));
    HttpResponse<String> wrongMethod = send(port, "GET", INFER);
    assertError(405, "method GET is not allowed here; use POST", wrongMethod);
    assertEquals("POST", wrongMethod.headers().firstValue("allow").orElse(""));
    HttpResponse<String> postMetadata = post(port, "/v2/models/linear", "{}");
    assertError(405, "method POST is not allowed here; use GET, HEAD", postMetadata);
    assertError(
        405,
        "method DELETE is not allowed here; use GET, HEAD",
        send(port, "DELETE", "/v2/health/ready"));
    // Refusals of the server before the body, in the protocol's shape too.
    HttpResponse<String> notJson =
        Http.send(
            HttpRequest.newBuilder(Http.uri(port, INFER))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(request(null, X)))
                .build());
    assertError(
        415,
        "Unsupported Media Type: this service takes a JSON body (Content-Type: application/json)",
        notJson);
    // Counted as the server's other rejections.
    String after = Http.get(port, "/-/metrics").body();
    assertEquals(
        count(before, "invalid_body") + cases.length + 1, count(after, "invalid_body"), after);
    assertEquals(
        count(before, "unsupported_media_type") + 1, count(after, "unsupported_media_type"), after);
    assertEquals(count(before, "not_found") + 3, count(after, "not_found"), after);
    assertEquals(
        count(before, "method_not_allowed") + 3, count(after, "method_not_allowed"), after);
  }

  private static long count(String metrics, String reason) {
    for (String line : metrics.split("\n")) {
      if (line.startsWith("sparkplug_requests_rejected_total{")
          && line.contains("reason=\"" + reason + "\"")) {
        return Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  private static void assertOpenApi(int port) throws Exception {
    HttpResponse<String> response = Http.get(port, "/-/openapi.json");
    assertEquals(200, response.statusCode());
    var result =
        new io.swagger.v3.parser.OpenAPIV3Parser().readContents(response.body(), null, null);
    assertTrue(
        result.getMessages() == null || result.getMessages().isEmpty(),
        String.valueOf(result.getMessages()));
    var paths = result.getOpenAPI().getPaths();
    for (String path :
        new String[] {
          "/v2",
          "/v2/health/live",
          "/v2/health/ready",
          "/v2/models/linear",
          "/v2/models/linear/ready",
          "/v2/models/linear/infer",
          "/v2/models/linear/versions/3",
          "/v2/models/linear/versions/3/ready",
          "/v2/models/linear/versions/3/infer"
        }) {
      assertTrue(paths.containsKey(path), path + " in " + paths.keySet());
    }
    assertTrue(paths.get("/v2/models/linear/infer").getPost() != null);
  }
}
