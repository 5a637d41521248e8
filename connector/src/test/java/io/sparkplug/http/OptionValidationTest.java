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

  @ParameterizedTest
  @CsvSource({
    "port, 0",
    "port, 70000",
    "port, eighty",
    "mode, cluster",
    "requestTimeout, 0",
    "requestTimeout, -5s",
    "requestTimeout, soon",
    "maxPendingRequests, 0",
    "maxBodyBytes, 0",
    "maxBodyBytes, 2g",
    "maxInitialLineLength, 0",
    "maxHeaderBytes, -1",
    "readTimeout, 0ms",
    "idleTimeout, 0",
    "drainTimeout, 0",
    "numPartitions, 0",
    "methods, 'G3T,POST'",
    "path, no-leading-slash",
    "path, '/users/{id'",
    "path, '/users/id}'",
    "path, '/users/{}'",
    "path, '/a/{x}/b/{x}'",
    "path, '/a{x}'",
    "path, '/a/{9x}'",
    "maxConnections, 0",
    "maxPipelinedRequests, 0",
    "tlsCertFile, /no/such/cert.pem",
    "tlsClientCaFile, /no/such/ca.pem",
    "requestSchema, 'item STRUNG'",
    "requestSchema, 'item STRING,'",
    "requestSchema, ' '",
    "requestSchema, 'm MAP<INT, STRING>'",
    "requestSchema, 'span INTERVAL DAY'",
    "requestSchema, 'v VARIANT'",
    "unknownFields, drop",
    "maxJsonDepth, 0",
    "maxJsonDepth, 100000",
  })
  void invalidSourceOptionIsNamed(String option, String value) throws Exception {
    String[] options =
        option.equals("port")
            ? new String[] {"port", value}
            : new String[] {"port", Integer.toString(TestSpark.freePort()), option, value};
    String message = failureOfSource(options);
    assertTrue(message.contains("'" + option + "'"), message);
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
