package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.upper;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code mode=executor} on a {@code local} master, where the one executor is the driver's JVM: the
 * executor server starts from a batch's task, registers with the driver's directory, serves, and
 * stops with the query. The cluster tests run the same code across JVMs.
 */
@Timeout(180)
class ExecutorModeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Dataset<Row> requests(int port, int controlPort) {
    return TestSpark.requests(
        port, "mode", "executor", "controlPort", Integer.toString(controlPort));
  }

  private static JsonNode directory(int controlPort) throws Exception {
    HttpResponse<String> response = Http.get(controlPort, "/-/servers");
    assertEquals(200, response.statusCode(), response.body());
    return JSON.readTree(response.body());
  }

  @Test
  void executorServerServesRegistersAndStopsWithTheQuery() throws Exception {
    int port = TestSpark.freePort();
    int controlPort = TestSpark.freePort();
    StreamingQuery query = TestQueries.echo(requests(port, controlPort));
    try {
      // Readiness: the port listens a moment before its service attaches (a request then gets
      // 404); health 200 means the service is there and in touch with the driver.
      TestSpark.awaitReady(port, query);
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> response = Http.post(port, "/", "hello " + i);
        assertEquals(200, response.statusCode());
        assertEquals("hello " + i, response.body());
      }
      assertEquals(200, Http.get(port, "/-/health").statusCode());
      JsonNode servers = directory(controlPort).get("servers");
      assertEquals(1, servers.size(), servers.toString());
      assertEquals(port, servers.get(0).get("port").asInt());
      assertEquals("serving", servers.get(0).get("state").asText());
      assertTrue(servers.get(0).get("accepted").asLong() >= 1, servers.toString());
    } finally {
      query.stop();
    }
    TestSpark.awaitNotListening(port);
    TestSpark.awaitNotListening(controlPort);
  }

  @Test
  void shuffledRepliesReachTheirClients() throws Exception {
    int port = TestSpark.freePort();
    int controlPort = TestSpark.freePort();
    Dataset<Row> replies =
        requests(port, controlPort)
            .repartition(3, col("body"))
            .select(col("id"), concat(lit("re: "), col("body").cast("string")).as("body"));
    StreamingQuery query = TestQueries.serve(replies);
    try {
      // Readiness: the port listens a moment before its service attaches (a request then gets
      // 404); health 200 means the service is there and in touch with the driver.
      TestSpark.awaitReady(port, query);
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        calls.add(Http.postAsync(port, "/", "n" + i));
      }
      for (int i = 0; i < calls.size(); i++) {
        HttpResponse<String> response = calls.get(i).get();
        assertEquals(200, response.statusCode());
        assertEquals("re: n" + i, response.body());
      }
    } finally {
      query.stop();
    }
  }

  @Test
  void takesTheFirstFreePortOfARange() throws Exception {
    int first = TestSpark.freePort();
    try (ServerSocket taken =
        new ServerSocket(first, 1, java.net.InetAddress.getLoopbackAddress())) {
      int controlPort = TestSpark.freePort();
      Dataset<Row> requests =
          TestSpark.requests(
              first,
              "port",
              first + "-" + (first + 5),
              "mode",
              "executor",
              "controlPort",
              Integer.toString(controlPort));
      StreamingQuery query = TestQueries.echo(requests);
      try {
        JsonNode servers = awaitServers(controlPort, 1);
        int port = servers.get(0).get("port").asInt();
        assertTrue(port > first && port <= first + 5, "bound " + port);
        assertEquals("ranged", Http.post(port, "/", "ranged").body());
      } finally {
        query.stop();
      }
    }
  }

  @Test
  void realTimeReadersServeTheirExecutorsRequests() throws Exception {
    SparkSession spark = TestSpark.session().newSession();
    spark.conf().set("spark.sql.streaming.realTimeMode.minBatchDuration", "1000");
    int port = TestSpark.freePort();
    int controlPort = TestSpark.freePort();
    Dataset<Row> replies =
        spark
            .readStream()
            .format("sparkplug-http")
            .option("port", port)
            .option("mode", "executor")
            .option("controlPort", controlPort)
            // Five warm-up batches of 500 ms: the directory cannot say 0 for 2.5 s.
            .option("warmUpBatches", 5)
            .option("warmUpBatchTime", "500ms")
            .load()
            .select(col("id"), upper(col("body").cast("string")).as("body"));
    StreamingQuery query =
        replies
            .writeStream()
            .foreach(SparkPlugHttp.replyWriter())
            .outputMode("update")
            .trigger(Trigger.RealTime(1000))
            .option("checkpointLocation", TestSpark.checkpoint())
            .start();
    try {
      // The directory answers from the start and counts the warm-up down; deployment tools
      // (sparkplug submit --mode executor) wait for 0 before they call the service up.
      TestSpark.awaitListening(controlPort);
      assertTrue(directory(controlPort).get("warmUpBatchesLeft").asInt() > 0);
      SparkPlugHttp.awaitWarmUp(query, Duration.ofSeconds(90));
      assertEquals(0, directory(controlPort).get("warmUpBatchesLeft").asInt());
      // Readiness: the server starts in the first reader's task; a first batch ending means the
      // readers have run once. Then the first request is asserted as is.
      TestSpark.awaitReady(port, query);
      assertEquals("WARM UP", Http.post(port, "/", "warm up").body());
      TestQueries.assertServesAcrossBatches(port, query, 2, i -> "rt " + i, i -> "RT " + i);
    } finally {
      query.stop();
    }
  }

  @Test
  void internalCallsWithoutTheSecretAreRefused() throws Exception {
    int port = TestSpark.freePort();
    int controlPort = TestSpark.freePort();
    StreamingQuery query = TestQueries.echo(requests(port, controlPort));
    try {
      awaitServers(controlPort, 1);
      assertRefusedWithoutSecret(controlPort, "/-/internal/status");
      // The registry is still whole, and the service still answers.
      assertEquals(1, directory(controlPort).get("servers").size());
      assertEquals("still here", Http.post(port, "/", "still here").body());
    } finally {
      query.stop();
    }
  }

  /** Ids of requests the forged-reply test's query has read; it answers none of them. */
  static final java.util.concurrent.LinkedBlockingQueue<String> SEEN_IDS =
      new java.util.concurrent.LinkedBlockingQueue<>();

  @Test
  void driverModeTakesExecutorRepliesOnlyWithTheSecret() throws Exception {
    int port = TestSpark.freePort();
    int controlPort = TestSpark.freePort();
    SEEN_IDS.clear();
    org.apache.spark.sql.expressions.UserDefinedFunction seen =
        org.apache.spark.sql.functions.udf(
            (org.apache.spark.sql.api.java.UDF1<String, Boolean>)
                id -> {
                  SEEN_IDS.add(id);
                  return false;
                },
            org.apache.spark.sql.types.DataTypes.BooleanType);
    StreamingQuery query =
        TestQueries.serve(
            TestSpark.requests(
                    port, "controlPort", Integer.toString(controlPort), "requestTimeout", "5s")
                .filter(seen.apply(col("id")))
                .select(col("id"), col("body")));
    try {
      TestSpark.awaitReady(port, query);
      CompletableFuture<HttpResponse<String>> pending = Http.postAsync(port, "/", "genuine");
      String id = SEEN_IDS.poll(60, java.util.concurrent.TimeUnit.SECONDS);
      assertTrue(id != null, "the query never read the request");
      // A well-formed reply for that very request, as an executor would forward it: without the
      // secret and with a guessed one it is refused, and the client never sees it.
      byte[] forged = forgedReply(id, "forged");
      assertEquals(401, postInternal(controlPort, forged, null).statusCode());
      assertEquals(401, postInternal(controlPort, forged, "guess").statusCode());
      HttpResponse<String> answer = pending.get(60, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(504, answer.statusCode(), answer.body());
      assertTrue(!answer.body().contains("forged"), answer.body());
      JsonNode servers = directory(controlPort).get("servers");
      assertEquals("driver", servers.get(0).get("executorId").asText());
      assertEquals(port, servers.get(0).get("port").asInt());
    } finally {
      query.stop();
    }
  }

  /** One reply in the internal wire form of {@code POST /-/internal/replies} (cluster.Wire). */
  private static byte[] forgedReply(String id, String body) throws java.io.IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
      out.writeInt(1);
      byte[] idBytes = id.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      out.writeInt(idBytes.length);
      out.write(idBytes);
      out.writeShort(200);
      out.writeInt(0); // header names
      out.writeInt(0); // header values
      out.writeInt(-1); // default content type
      byte[] payload = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      out.writeInt(payload.length);
      out.write(payload);
    }
    return bytes.toByteArray();
  }

  private static HttpResponse<String> postInternal(int controlPort, byte[] body, String secret) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(Http.uri(controlPort, "/-/internal/replies"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (secret != null) {
      request.header("X-Sparkplug-Secret", secret);
    }
    return Http.send(request.build());
  }

  @Test
  void failedQueryAnswers500OnTheExecutorServerAndStopsIt() throws Exception {
    int port = TestSpark.freePort();
    int controlPort = TestSpark.freePort();
    org.apache.spark.sql.expressions.UserDefinedFunction explode =
        org.apache.spark.sql.functions.udf(
            (org.apache.spark.sql.api.java.UDF1<byte[], String>)
                body -> {
                  throw new IllegalStateException("secret internal detail");
                },
            org.apache.spark.sql.types.DataTypes.StringType);
    StreamingQuery query =
        TestQueries.serve(
            requests(port, controlPort).select(col("id"), explode.apply(col("body")).as("body")));
    TestSpark.awaitReady(port, query);
    HttpResponse<String> response = Http.post(port, "/", "anything");
    Problems.assertProblem(response, 500, "Internal Server Error");
    assertTrue(!response.body().contains("secret"), response.body());
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(() -> !query.isActive());
    assertTrue(query.exception().isDefined());
    TestSpark.awaitNotListening(port);
    TestSpark.awaitNotListening(controlPort);
  }

  private static void assertRefusedWithoutSecret(int controlPort, String path) {
    assertEquals(401, Http.post(controlPort, path, "{}").statusCode(), path);
    HttpResponse<String> forged =
        Http.send(
            HttpRequest.newBuilder(Http.uri(controlPort, path))
                .header("X-Sparkplug-Secret", "guess")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build());
    assertEquals(401, forged.statusCode(), path);
  }

  private static JsonNode awaitServers(int controlPort, int count) {
    TestSpark.awaitListening(controlPort);
    JsonNode[] servers = new JsonNode[1];
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(60))
        .pollInterval(java.time.Duration.ofMillis(50))
        .until(
            () -> {
              servers[0] = directory(controlPort).get("servers");
              return servers[0].size() >= count;
            });
    return servers[0];
  }
}
