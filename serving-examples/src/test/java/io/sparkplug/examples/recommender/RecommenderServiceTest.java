package io.sparkplug.examples.recommender;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkplug.examples.common.Env;
import io.sparkplug.examples.common.Serving;
import io.sparkplug.examples.common.Triggers;
import io.sparkplug.examples.common.VersionedFeed;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/** ETL, training and serving together, checked through a real HTTP client. */
@Timeout(240)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RecommenderServiceTest {
  private static final int USERS = 300;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private static Map<String, String> env;
  private static RecommenderConfig config;
  private static SparkSession spark;
  private static RecommendationService service;

  @BeforeAll
  static void start() throws Exception {
    env =
        Map.of(
            "SPARKPLUG_MASTER",
            "local[2]",
            "SPARKPLUG_PORT",
            String.valueOf(freePort()),
            "RECOMMENDER_DATA_DIR",
            Files.createTempDirectory("recommender").toString(),
            "RECOMMENDER_USERS",
            String.valueOf(USERS),
            "RECOMMENDER_ALS_ITERATIONS",
            "5",
            "RECOMMENDER_SALT",
            "test-salt",
            "RECOMMENDER_MODEL_CHECK_SECONDS",
            "1");
    config = RecommenderConfig.fromEnv(new Env(env));
    spark = Serving.session("recommender-test", config.serving());
    spark.sparkContext().setLogLevel("WARN");
    PhotoEtl.run(spark, config);
    AlsTrainer.run(spark, config);
    service = RecommendationService.start(spark, config);
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> Serving.canConnect(config.serving().port()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (service != null) {
      service.close();
    }
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void servesInRealTimeModeByDefault() {
    // Spark's own record of the trigger: the default SPARKPLUG_TRIGGER is realtime.
    assertTrue(Triggers.realTime(service.query()));
  }

  /**
   * {@code SPARKPLUG_TRIGGER=microbatch} serves the same answers from the same code path in
   * micro-batches: a second service on the same feeds, with every user in the static variant so
   * that its replies and exposures are told apart from the first service's.
   */
  @Test
  void microBatchesServeTheSameWay() throws Exception {
    long alsUser = firstUserOf(Experiment.ALS);
    Map<String, String> microEnv = new HashMap<>(env);
    microEnv.put("SPARKPLUG_TRIGGER", "microbatch");
    microEnv.put("SPARKPLUG_PORT", String.valueOf(freePort()));
    microEnv.put("RECOMMENDER_ALS_PERCENT", "0");
    microEnv.put("RECOMMENDER_MODEL_CHECK_SECONDS", "0");
    RecommenderConfig micro = RecommenderConfig.fromEnv(new Env(microEnv));
    // A session of its own: query names are unique per session.
    RecommendationService batches = RecommendationService.start(spark.newSession(), micro);
    try {
      assertFalse(Triggers.realTime(batches.query()));
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> Serving.canConnect(micro.serving().port()));
      HttpResponse<String> response = get(micro, "?user=" + alsUser + "&n=2");
      assertEquals(200, response.statusCode(), response.body());
      JsonNode reply = JSON.readTree(response.body());
      assertEquals(Experiment.STATIC, reply.get("variant").asText(), response.body());
      assertEquals(2, reply.get("items").size(), response.body());
      assertFalse(reply.has("model"), response.body());
      HttpResponse<String> unknown = get(micro, "?user=999999");
      assertEquals(404, unknown.statusCode());
      assertEquals("{\"error\":\"unknown user 999999\"}", unknown.body());
    } finally {
      batches.close();
    }
    // Closing ended the last batch's epoch: its exposure is in the files now, no waiting.
    Row exposure =
        spark
            .read()
            .json(config.exposuresPath())
            .where("user = " + alsUser + " AND variant = 'static'")
            .first();
    assertEquals(2, exposure.getList(exposure.fieldIndex("items")).size());
  }

  @Test
  void getAnswersTopAttractionsOfTheAssignedVariant() throws Exception {
    HttpResponse<String> response = get("?user=42");
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
    JsonNode reply = JSON.readTree(response.body());
    assertEquals(42, reply.get("user").asInt());
    String variant = config.experiment().variant(42);
    assertEquals(variant, reply.get("variant").asText());
    assertEquals(config.items(), reply.get("items").size());
    for (JsonNode item : reply.get("items")) {
      Attractions.Attraction attraction = Attractions.ALL.get(item.get("id").asInt() - 1);
      assertEquals(attraction.name(), item.get("name").asText());
      assertEquals(attraction.area(), item.get("area").asText());
      // Only the model scores its items, and only its replies name the model.
      assertEquals(variant.equals(Experiment.ALS), item.has("score"), response.body());
    }
    assertEquals(variant.equals(Experiment.ALS), reply.has("model"), response.body());
  }

  @Test
  void postAnswersTheSameAsGet() throws Exception {
    HttpResponse<String> byPost = post("{\"user\":\"7\",\"n\":5}");
    assertEquals(200, byPost.statusCode(), byPost.body());
    assertEquals(5, JSON.readTree(byPost.body()).get("items").size());
    HttpResponse<String> byGet = get("?user=7&n=5");
    assertEquals(byGet.body(), byPost.body());
    HttpResponse<String> numericId = post("{\"user\":7,\"n\":5}");
    assertEquals(byGet.body(), numericId.body());
  }

  @Test
  void bothVariantsServeTheirOwnRecommender() throws Exception {
    Experiment experiment = config.experiment();
    for (String variant : List.of(Experiment.ALS, Experiment.STATIC)) {
      long user = 1;
      while (!experiment.variant(user).equals(variant)) {
        user++;
      }
      JsonNode reply = JSON.readTree(get("?user=" + user + "&n=5").body());
      assertEquals(variant, reply.get("variant").asText());
      List<Integer> ids = new ArrayList<>();
      reply.get("items").forEach(item -> ids.add(item.get("id").asInt()));
      if (variant.equals(Experiment.STATIC)) {
        assertTrue(Attractions.PICKS.containsValue(ids), "editors' picks: " + ids);
      } else {
        assertEquals(5, ids.stream().distinct().count(), "five different attractions: " + ids);
      }
    }
  }

  @Test
  void assignmentSplitsUsersAndMatchesTheOfflineFunction() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
    for (int user = 1; user <= USERS; user++) {
      replies.add(CLIENT.sendAsync(request("?user=" + user).build(), ofString()));
    }
    Experiment offline = new Experiment("test-salt", 50);
    Map<String, Integer> counts = new HashMap<>();
    for (int user = 1; user <= USERS; user++) {
      HttpResponse<String> response = replies.get(user - 1).get();
      assertEquals(200, response.statusCode(), response.body());
      String served = JSON.readTree(response.body()).get("variant").asText();
      assertEquals(offline.variant(user), served, "user " + user);
      counts.merge(served, 1, Integer::sum);
    }
    // 50/50 over 300 users: a standard deviation of 2.9 points; allow 10.
    double alsShare = counts.getOrDefault(Experiment.ALS, 0) / (double) USERS;
    assertTrue(Math.abs(alsShare - 0.5) < 0.10, "ALS share " + alsShare + " " + counts);
  }

  @Test
  void assignmentIsStableAndFollowsTheSplit() {
    Experiment experiment = new Experiment("test-salt", 20);
    int als = 0;
    for (long user = 1; user <= 20_000; user++) {
      if (experiment.variant(user).equals(Experiment.ALS)) {
        als++;
      }
      assertEquals(experiment.bucket(user), new Experiment("test-salt", 80).bucket(user));
    }
    assertEquals(0.20, als / 20_000.0, 0.01);
    // Another salt is another experiment: users are shuffled anew.
    Experiment other = new Experiment("other-salt", 20);
    long same =
        java.util.stream.LongStream.rangeClosed(1, 1000)
            .filter(u -> other.bucket(u) == experiment.bucket(u))
            .count();
    assertTrue(same < 50, same + " of 1000 users kept their bucket");
  }

  @Test
  void unknownUserIs404() throws Exception {
    HttpResponse<String> response = get("?user=999999");
    assertEquals(404, response.statusCode());
    assertEquals("{\"error\":\"unknown user 999999\"}", response.body());
    assertEquals(404, post("{\"user\":\"0\"}").statusCode());
  }

  @Test
  void malformedRequestsAre4xxWithAJsonError() throws Exception {
    Map<String, Integer> gets =
        Map.of(
            "",
            400,
            "?user=",
            400,
            "?user=abc",
            400,
            "?user=42&n=0",
            400,
            "?user=42&n=-1",
            400,
            "?user=42&n=99",
            400,
            "?user=42&n=x",
            400,
            "?user=%2542",
            400,
            "/other?user=42",
            404,
            "?user=99999999999",
            400);
    List<String> posts =
        List.of(
            "not json",
            "",
            "[1,2]",
            "{}",
            "{\"user\":\"x\"}",
            "{\"user\":null}",
            "{\"user\":{\"id\":1}}",
            "{\"user\":\"42\",\"n\":\"a\"}",
            "{\"user\":\"42\",\"n\":1e10}");
    // All at once.
    Map<String, CompletableFuture<HttpResponse<String>>> replies = new HashMap<>();
    gets.keySet()
        .forEach(q -> replies.put("GET " + q, CLIENT.sendAsync(request(q).build(), ofString())));
    posts.forEach(b -> replies.put("POST " + b, CLIENT.sendAsync(postRequest(b), ofString())));
    for (Map.Entry<String, CompletableFuture<HttpResponse<String>>> reply : replies.entrySet()) {
      String what = reply.getKey();
      int expected = what.startsWith("GET ") ? gets.get(what.substring(4)) : 400;
      assertJsonError(expected, reply.getValue().get(), what);
    }
    assertEquals(
        "{\"error\":\"user must be a numeric id, not 'abc'\"}",
        replies.get("GET ?user=abc").get().body());
  }

  @Test
  void exposuresAreLoggedForOfflineAnalysis() throws Exception {
    assertEquals(200, get("?user=123").statusCode());
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions() // a file may be half written
        .until(
            () ->
                Files.exists(java.nio.file.Path.of(config.exposuresPath()))
                    && !spark.read().json(config.exposuresPath()).where("user = 123").isEmpty());
    Row exposure = spark.read().json(config.exposuresPath()).where("user = 123").first();
    assertEquals(config.experiment().variant(123), exposure.getAs("variant"));
    assertEquals(config.items(), exposure.getList(exposure.fieldIndex("items")).size());
    assertEquals(
        config.experiment().variant(123).equals(Experiment.ALS) ? service.model() : null,
        exposure.getAs("model"));
    // When this task served it (written by the task, not the batch's start), in UTC.
    Instant servedAt = Instant.parse(exposure.getAs("servedAt"));
    assertTrue(
        Duration.between(servedAt, Instant.now()).abs().compareTo(Duration.ofMinutes(1)) < 0,
        servedAt.toString());
    // One folder per day; in it, each task's files of its epochs.
    java.nio.file.Path day =
        java.nio.file.Path.of(
            config.exposuresPath(), "date=" + servedAt.atZone(ZoneOffset.UTC).toLocalDate());
    try (var files = Files.list(day)) {
      assertTrue(
          files.anyMatch(f -> f.getFileName().toString().matches("part-\\d+-\\d+-.*\\.json")),
          day.toString());
    }
  }

  @Test
  void feedsKeepEverySnapshotAndConsumersReadTheNewest() {
    var feed = config.interactions(spark);
    String previous = feed.require("PhotoEtl");
    String published = PhotoEtl.run(spark, config);
    assertEquals(published, feed.require("PhotoEtl"));
    assertTrue(feed.history().contains(previous));
    assertTrue(previous.compareTo(published) < 0);
  }

  /**
   * A model published while the service runs is served without a restart; a broken one is not, and
   * the service keeps answering from the model it has. Last: it changes the model served.
   */
  @Test
  @Order(Integer.MAX_VALUE)
  void newlyPublishedModelsAreServedWithoutARestart() throws Exception {
    long alsUser = firstUserOf(Experiment.ALS);
    String before = service.model();
    assertEquals(before, modelServedTo(alsUser));

    // A snapshot that is published but is no model: the service keeps the model it has.
    String broken =
        config
            .models(spark)
            .publish(folder -> spark.sql("SELECT 'junk' AS value").write().text(folder));
    Awaitility.await("the service tried " + broken)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> broken.equals(service.modelNotLoaded()));
    assertEquals(before, service.model());
    assertEquals(before, modelServedTo(alsUser));

    // A good model, trained differently: served within a few seconds, with no failed request.
    Map<String, String> retrain = new HashMap<>(env);
    retrain.put("RECOMMENDER_ALS_ITERATIONS", "8");
    String after =
        VersionedFeed.snapshotOf(
            AlsTrainer.run(spark, RecommenderConfig.fromEnv(new Env(retrain))));
    assertNotEquals(before, after);
    List<String> served = new ArrayList<>();
    Awaitility.await("replies from model " + after)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              served.add(modelServedTo(alsUser));
              return served.get(served.size() - 1).equals(after);
            });
    assertTrue(Set.of(before, after).containsAll(served), served.toString());
    assertEquals(after, service.model());
  }

  private static long firstUserOf(String variant) {
    return LongStream.rangeClosed(1, USERS)
        .filter(user -> config.experiment().variant(user).equals(variant))
        .findFirst()
        .orElseThrow();
  }

  /** The model named in a 200 reply to {@code user}, who is in the ALS variant. */
  private static String modelServedTo(long user) throws Exception {
    HttpResponse<String> response = get("?user=" + user);
    assertEquals(200, response.statusCode(), response.body());
    return JSON.readTree(response.body()).get("model").asText();
  }

  private static void assertJsonError(int status, HttpResponse<String> response, String what)
      throws IOException {
    assertEquals(status, response.statusCode(), what + " -> " + response.body());
    assertEquals(
        "application/json", response.headers().firstValue("content-type").orElse(""), what);
    assertTrue(JSON.readTree(response.body()).get("error").isTextual(), what);
  }

  private static HttpResponse<String> get(String pathAndQuery) throws Exception {
    return CLIENT.send(request(pathAndQuery).build(), ofString());
  }

  private static HttpResponse<String> get(RecommenderConfig to, String pathAndQuery)
      throws Exception {
    return CLIENT.send(request(to, pathAndQuery).build(), ofString());
  }

  private static HttpResponse<String> post(String body) throws Exception {
    return CLIENT.send(postRequest(body), ofString());
  }

  private static HttpRequest postRequest(String body) {
    return request("")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private static HttpRequest.Builder request(String pathAndQuery) {
    return request(config, pathAndQuery);
  }

  private static HttpRequest.Builder request(RecommenderConfig to, String pathAndQuery) {
    return HttpRequest.newBuilder(
            URI.create(
                "http://127.0.0.1:"
                    + to.serving().port()
                    + RecommendationService.PATH
                    + pathAndQuery))
        .timeout(Duration.ofSeconds(60));
  }

  private static HttpResponse.BodyHandler<String> ofString() {
    return HttpResponse.BodyHandlers.ofString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
