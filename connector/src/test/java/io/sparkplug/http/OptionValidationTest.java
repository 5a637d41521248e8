package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Invalid configuration fails the query when it starts, with a message naming the culprit. */
@Timeout(120)
class OptionValidationTest {

  private static String failureOf(StreamingQuery query) {
    StreamingQueryException failure =
        assertThrows(StreamingQueryException.class, () -> query.awaitTermination(60_000));
    return failure.getMessage();
  }

  private static String failureOfSource(String... options) throws TimeoutException {
    Dataset<Row> requests =
        TestSpark.session().readStream().format("sparkplug-http").options(toMap(options)).load();
    return failureOf(TestQueries.echo(requests));
  }

  private static java.util.Map<String, String> toMap(String... options) {
    java.util.Map<String, String> map = new java.util.HashMap<>();
    for (int i = 0; i < options.length; i += 2) {
      map.put(options[i], options[i + 1]);
    }
    return map;
  }

  private static String failureOfReplies(Column... replyColumns) throws TimeoutException {
    int port = TestSpark.freePort();
    String message = failureOf(TestQueries.serve(TestSpark.requests(port).select(replyColumns)));
    // A source left open would keep listening for good; the bounded wait fails then.
    TestSpark.awaitNotListening(port);
    return message;
  }

  @Test
  void missingPortIsNamed() throws Exception {
    assertTrue(failureOfSource().contains("option 'port' is required"));
  }

  /**
   * Each row: the option, the value, and the rule the message must give. The whole message is
   * {@code sparkplug-http: invalid value 'VALUE' for option 'OPTION': RULE} (docs/options.md), so
   * each row pins the option, the value as given and the reason.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "port | 0 | must be between 1 and 65535",
        "port | 65536 | must be between 1 and 65535",
        "port | 70000 | must be between 1 and 65535",
        "port | eighty | must be a whole number",
        "controlPort | 65536 | must be between 0 and 65535",
        "mode | cluster | must be one of driver, executor",
        "requestTimeout | 0 | must be positive",
        "requestTimeout | -5s | must be positive",
        "requestTimeout | soon | must be a duration such as 30s or 500ms",
        "maxPendingRequests | 0 | must be between 1 and 10000000",
        "maxPendingRequests | 10000001 | must be between 1 and 10000000",
        "maxBodyBytes | 0 | must be positive",
        "maxBodyBytes | 2g | must be at most 512m",
        "maxBodyBytes | 513m | must be at most 512m",
        "maxBodyBytes | lots | must be a size such as 1m, 64k or 1048576",
        "maxInitialLineLength | 0 | must be between 64 and 1048576",
        "maxInitialLineLength | 1048577 | must be between 64 and 1048576",
        "maxHeaderBytes | -1 | must be between 256 and 1048576",
        "maxHeaderBytes | 1048577 | must be between 256 and 1048576",
        "readTimeout | 0ms | must be positive",
        "idleTimeout | 0 | must be positive",
        "drainTimeout | 0 | must be positive",
        "numPartitions | 0 | must be between 1 and 10000",
        "numPartitions | 10001 | must be between 1 and 10000",
        "warmUpBatches | -1 | must be between 0 and 1000",
        "warmUpBatches | 1001 | must be between 0 and 1000",
        "warmUpBatches | some | must be a whole number",
        "warmUpBatchTime | 0 | must be positive",
        "methods | G3T,POST | must list HTTP methods like GET,POST",
        "methods | , | must name at least one method",
        "path | no-leading-slash | must start with '/' and hold no query string or fragment",
        "path | /quote?x=1 | must start with '/' and hold no query string or fragment",
        "path | /quote#top | must start with '/' and hold no query string or fragment",
        "maxConnections | 0 | must be between 1 and 1000000",
        "maxConnections | 1000001 | must be between 1 and 1000000",
        "maxPipelinedRequests | 0 | must be between 1 and 10000",
        "maxPipelinedRequests | 10001 | must be between 1 and 10000",
        "tlsCertFile | /no/such/cert.pem | must name a readable file",
        "tlsKeyFile | /no/such/key.pem | must name a readable file",
        "tlsClientCaFile | /no/such/ca.pem | must name a readable file",
      })
  void invalidSourceOptionIsNamedWithItsValueAndTheRule(String option, String value, String rule)
      throws Exception {
    String[] options =
        option.equals("port")
            ? new String[] {"port", value}
            : new String[] {"port", Integer.toString(TestSpark.freePort()), option, value};
    String message = failureOfSource(options);
    assertTrue(
        message.contains(
            "sparkplug-http: invalid value '" + value + "' for option '" + option + "': " + rule),
        message);
  }

  /** The request-contract options (docs/contracts.md): option, value and the rule, as above. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "path | /users/{id | unbalanced braces in segment '{id'",
        "path | /users/id} | unbalanced braces in segment 'id}'",
        "path | /users/{} | a template parameter needs a name, as in {id}",
        "path | /a/{x}/b/{x} | parameter 'x' appears twice",
        "path | /a{x} | a template parameter must be a whole segment, as in /users/{id}",
        "path | /a/{9x} | parameter name '9x' must be letters, digits and '_', not starting with a"
            + " digit",
        "requestSchema | item STRUNG | is not valid Spark DDL (",
        "requestSchema | 'item STRING,' | is not valid Spark DDL (",
        "requestSchema | m MAP<INT, STRING> | field 'm': a JSON object's keys are strings, so a map"
            + " needs STRING keys",
        "requestSchema | span INTERVAL DAY | field 'span' has type INTERVAL DAY, which has no JSON"
            + " form here",
        "unknownFields | drop | must be one of ignore, reject",
        "maxJsonDepth | 0 | must be between 1 and 10000",
        "maxJsonDepth | 100000 | must be between 1 and 10000",
      })
  void invalidContractOptionIsNamedWithItsValueAndTheRule(String option, String value, String rule)
      throws Exception {
    String message = failureOfSource("port", Integer.toString(TestSpark.freePort()), option, value);
    assertTrue(
        message.contains(
            "sparkplug-http: invalid value '" + value + "' for option '" + option + "': " + rule),
        message);
  }

  @Test
  void emptyMethodsMeansTheDefault() throws Exception {
    // docs/options.md: an empty value is the same as leaving the option out (GET,POST).
    int port = TestSpark.freePort();
    StreamingQuery query = TestQueries.echo(TestSpark.requests(port, "methods", ""));
    try {
      TestSpark.awaitReady(port, query);
      assertEquals("posted", Http.post(port, "/", "posted").body());
      assertEquals(200, Http.get(port, "/").statusCode());
      java.net.http.HttpResponse<String> put =
          Http.send(
              java.net.http.HttpRequest.newBuilder(Http.uri(port, "/"))
                  .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("x"))
                  .build());
      assertEquals(405, put.statusCode());
      assertEquals("GET, HEAD, OPTIONS, POST", put.headers().firstValue("allow").orElse(""));
    } finally {
      query.stop();
    }
  }

  @Test
  void unbindableHostIsNamed() throws Exception {
    // 192.0.2.1 (TEST-NET-1) is on no interface of a test machine: binding it fails, and nothing is
    // ever sent to it.
    int port = TestSpark.freePort();
    String message = failureOfSource("port", Integer.toString(port), "host", "192.0.2.1");
    assertTrue(
        message.contains("sparkplug-http: cannot listen on 192.0.2.1:" + port)
            && message.contains("(options 'host' and 'port')"),
        message);
  }

  @Test
  void executorPortRangeWithNoFreePortFailsNamingTheRange() throws Exception {
    ServerSocket[] taken = twoAdjacentTakenPorts();
    try {
      int first = taken[0].getLocalPort();
      String range = first + "-" + (first + 1);
      String message =
          failureOfSource(
              "port",
              range,
              "mode",
              "executor",
              "controlPort",
              Integer.toString(TestSpark.freePort()));
      assertTrue(
          message.contains("found no free port in " + range) && message.contains("(option 'port')"),
          message);
    } finally {
      taken[0].close();
      taken[1].close();
    }
  }

  /** Two loopback ports N and N+1, both held. */
  private static ServerSocket[] twoAdjacentTakenPorts() throws Exception {
    for (int attempt = 0; attempt < 50; attempt++) {
      int first = TestSpark.freePort();
      ServerSocket a = new ServerSocket();
      try {
        a.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), first), 1);
      } catch (java.io.IOException taken) {
        a.close();
        continue;
      }
      ServerSocket b = new ServerSocket();
      try {
        b.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), first + 1), 1);
        return new ServerSocket[] {a, b};
      } catch (java.io.IOException taken) {
        a.close();
        b.close();
      }
    }
    throw new IllegalStateException("no two adjacent free ports in 50 attempts");
  }

  /**
   * {@code protocol=oip} and its options (docs/options.md): the extra options of the row (as {@code
   * key=value;key=value}), then the option, value and rule the message names.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "requestSchema=x INT | protocol | grpc | must be one of http, oip",
        "requestSchema=x INT | protocol | oip | needs option 'model', the model's name",
        "model=m | protocol | oip | needs option 'requestSchema', whose fields are the model's"
            + " input tensors",
        "'' | model | m | only with protocol=oip",
        "'' | modelVersion | 1 | only with protocol=oip",
        "protocol=oip;requestSchema=x INT | model | a/b | must be one path segment of letters,"
            + " digits and '.', '_', '~', '-'",
        "protocol=oip;model=m;requestSchema=x INT | modelVersion | v 1 | must be one path segment"
            + " of letters, digits and '.', '_', '~', '-'",
        "protocol=oip;model=m;requestSchema=x INT | path | /predict | not with protocol=oip,"
            + " which serves POST /v2/models/<model>/infer and the protocol's GET endpoints;"
            + " leave it unset",
        "protocol=oip;model=m;requestSchema=x INT | methods | POST | not with protocol=oip",
        "protocol=oip;model=m | requestSchema | m MAP<STRING, INT> | input 'm' has type MAP<STRING,"
            + " INT>, which is no tensor type (protocol=oip takes BOOLEAN, TINYINT, SMALLINT, INT,"
            + " BIGINT, FLOAT, DOUBLE, STRING, or an ARRAY (or ARRAY of ARRAY) of one of them)",
        "protocol=oip;model=m | requestSchema | d DECIMAL(5,2) | input 'd' has type DECIMAL(5,2),"
            + " which is no tensor type",
        "protocol=oip;model=m | requestSchema | t ARRAY<ARRAY<ARRAY<INT>>> | input 't' has type"
            + " ARRAY<ARRAY<ARRAY<INT>>>, which is no tensor type",
      })
  void invalidOipOptionIsNamedWithItsValueAndTheRule(
      String extra, String option, String value, String rule) throws Exception {
    java.util.List<String> options = new java.util.ArrayList<>();
    options.add("port");
    options.add(Integer.toString(TestSpark.freePort()));
    for (String pair : extra.isEmpty() ? new String[0] : extra.split(";")) {
      int eq = pair.indexOf('=');
      options.add(pair.substring(0, eq));
      options.add(pair.substring(eq + 1));
    }
    options.add(option);
    options.add(value);
    String message = failureOfSource(options.toArray(new String[0]));
    assertTrue(
        message.contains(
            "sparkplug-http: invalid value '" + value + "' for option '" + option + "': " + rule),
        message);
  }

  @Test
  void oipSinkNeedsOutputTensorColumns() throws Exception {
    int port = TestSpark.freePort();
    Dataset<Row> requests =
        TestSpark.requests(port, "protocol", "oip", "model", "m", "requestSchema", "x INT");
    String message =
        failureOf(
            TestQueries.serve(
                requests.select(col("id"), map(lit("k"), lit(1)).as("scores")), "protocol", "oip"));
    assertTrue(
        message.contains(
            "column 'scores' has type map<string,int>, which is no output tensor type"),
        message);
    TestSpark.awaitNotListening(port);
  }

  @Test
  void plainSinkNamingAnOipServiceIsRefused() throws Exception {
    int port = TestSpark.freePort();
    Dataset<Row> requests =
        TestSpark.requests(port, "protocol", "oip", "model", "m", "requestSchema", "x INT");
    String message =
        failureOf(
            TestQueries.serve(
                requests.select(col("id"), col("body")), "port", Integer.toString(port)));
    assertTrue(
        message.contains("speaks protocol=oip; give the sink the option protocol=oip too"),
        message);
    TestSpark.awaitNotListening(port);
  }

  @Test
  void invalidRequestSchemaGivesTheParsersReason() throws Exception {
    String message =
        failureOfSource(
            "port", Integer.toString(TestSpark.freePort()), "requestSchema", "item STRUNG");
    assertTrue(message.contains("option 'requestSchema': is not valid Spark DDL ("), message);
    assertTrue(message.contains("STRUNG"), message);
  }

  @Test
  void maxJsonDepthMustFitTheRequestSchema() throws Exception {
    String message =
        failureOfSource(
            "port",
            Integer.toString(TestSpark.freePort()),
            "requestSchema",
            "a STRUCT<b: ARRAY<STRUCT<c: INT>>>",
            "maxJsonDepth",
            "3");
    assertTrue(message.contains("'maxJsonDepth'") && message.contains("4 levels"), message);
  }

  @Test
  void blankTokenIsRefusedWithoutEchoingIt() throws Exception {
    String message =
        failureOfSource("port", Integer.toString(TestSpark.freePort()), "authToken", "a b");
    assertTrue(message.contains("'authToken'") && !message.contains("a b"), message);
  }

  @Test
  void certificateWithoutKeyIsRefused() throws Exception {
    java.nio.file.Path cert = java.nio.file.Files.createTempFile("cert", ".pem");
    String message =
        failureOfSource(
            "port", Integer.toString(TestSpark.freePort()), "tlsCertFile", cert.toString());
    assertTrue(message.contains("'tlsCertFile' and 'tlsKeyFile' go together"), message);
  }

  @Test
  void keyWithoutCertificateIsRefused() throws Exception {
    java.nio.file.Path key = java.nio.file.Files.createTempFile("key", ".pem");
    String message =
        failureOfSource(
            "port", Integer.toString(TestSpark.freePort()), "tlsKeyFile", key.toString());
    assertTrue(message.contains("'tlsCertFile' and 'tlsKeyFile' go together"), message);
  }

  @Test
  void portRangeIsOnlyForExecutorMode() throws Exception {
    String message = failureOfSource("port", "21000-21005");
    assertTrue(message.contains("'port'") && message.contains("only for mode 'executor'"), message);
  }

  @Test
  void backwardsPortRangeIsNamed() throws Exception {
    String message = failureOfSource("port", "21005-21000", "mode", "executor");
    assertTrue(message.contains("'port'") && message.contains("low to high"), message);
  }

  @Test
  void controlPortTakenIsNamed() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String message =
          failureOfSource(
              "port",
              Integer.toString(TestSpark.freePort()),
              "controlPort",
              Integer.toString(taken.getLocalPort()));
      assertTrue(message.contains("'controlPort'") && message.contains("in use"), message);
    }
  }

  @Test
  void controlPortTakenLeavesTheServicePortUnbound() throws Exception {
    int port = TestSpark.freePort();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      failureOfSource(
          "port", Integer.toString(port), "controlPort", Integer.toString(taken.getLocalPort()));
    }
    try (ServerSocket free = new ServerSocket()) {
      free.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
    }
  }

  @Test
  void portTakenByAnotherProgramIsNamed() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String message = failureOfSource("port", Integer.toString(taken.getLocalPort()));
      assertTrue(message.contains("already in use") && message.contains("'port'"), message);
    }
  }

  @Test
  void samePathTwiceOnOnePortIsRefused() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery first = TestQueries.echo(TestSpark.requests(port, "path", "/a"));
    try {
      TestSpark.awaitListening(port);
      String message = failureOf(TestQueries.echo(TestSpark.requests(port, "path", "/a")));
      assertTrue(message.contains("already served"), message);
      assertEquals(200, Http.get(port, "/a").statusCode(), "the first service was disturbed");
    } finally {
      first.stop();
    }
  }

  @Test
  void replyWithoutIdIsNamed() throws Exception {
    String message = failureOfReplies(col("body"));
    assertTrue(message.contains("no 'id' column"), message);
  }

  @Test
  void replyWithoutBodyIsNamed() throws Exception {
    String message = failureOfReplies(col("id"));
    assertTrue(message.contains("no 'body' column"), message);
  }

  @Test
  void replyBodyOfWrongTypeIsNamed() throws Exception {
    String message = failureOfReplies(col("id"), lit(42).as("body"));
    assertTrue(message.contains("column 'body' must be string or binary"), message);
  }

  @Test
  void replyStatusOfWrongTypeIsNamed() throws Exception {
    String message = failureOfReplies(col("id"), col("body"), lit("200").as("status"));
    assertTrue(message.contains("column 'status' must be int"), message);
  }

  @Test
  void replyHeadersOfWrongTypeIsNamed() throws Exception {
    String message = failureOfReplies(col("id"), col("body"), map(lit("x"), lit(1)).as("headers"));
    assertTrue(message.contains("column 'headers' must be map<string,string>"), message);
  }

  @Test
  void unexpectedReplyColumnIsNamed() throws Exception {
    String message = failureOfReplies(col("id"), col("body"), col("method"));
    assertTrue(message.contains("unexpected column 'method'"), message);
  }

  @Test
  void sinkNamingAServiceThatDoesNotExistIsRefused() throws Exception {
    int port = TestSpark.freePort();
    int elsewhere = TestSpark.freePort();
    StreamingQuery query =
        TestQueries.serve(
            TestSpark.requests(port).select(col("id"), col("body")),
            "port",
            Integer.toString(elsewhere));
    String message = failureOf(query);
    assertTrue(
        message.contains("no sparkplug-http service") && message.contains("'port'"), message);
  }

  @Test
  void sinkNamingItsOwnServiceStarts() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery query =
        TestQueries.serve(
            TestSpark.requests(port, "path", "/named").select(col("id"), col("body")),
            "port",
            Integer.toString(port),
            "path",
            "/named");
    try {
      TestSpark.awaitListening(port);
      assertEquals("hi", Http.post(port, "/named", "hi").body());
    } finally {
      query.stop();
    }
  }
}
