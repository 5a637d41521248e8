package io.sparkplug.examples.geopredict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkplug.examples.common.Env;
import io.sparkplug.examples.common.Serving;
import io.sparkplug.examples.common.Triggers;
import io.sparkplug.http.SparkPlugHttp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Pings, mining and serving together, checked through a real HTTP client. */
@Timeout(240)
class GeoPredictServiceTest {
  private static final int USERS = 12;
  private static final String WEEKDAY_EVENING = "2026-11-24T17:40:00Z"; // a Tuesday
  private static final String SATURDAY_MORNING = "2026-11-28T10:30:00Z";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private static GeoConfig config;
  private static SparkSession spark;
  private static StreamingQuery query;
  private static List<Row> profiles;

  @BeforeAll
  static void start() throws Exception {
    config =
        GeoConfig.fromEnv(
            new Env(
                Map.of(
                    "SPARKPLUG_MASTER", "local[2]",
                    "SPARKPLUG_PORT", String.valueOf(freePort()),
                    "GEO_DATA_DIR", Files.createTempDirectory("geopredict").toString(),
                    "GEO_USERS", String.valueOf(USERS),
                    "GEO_DAYS", "21")));
    spark = Serving.session("geopredict-test", config.serving());
    spark.sparkContext().setLogLevel("WARN");
    Pings.run(spark, config);
    profiles = spark.read().parquet(PlaceMiner.run(spark, config)).collectAsList();
    query = PredictService.start(spark, config);
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> Serving.canConnect(config.serving().port()));
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
  void servesInRealTimeModeByDefault() {
    assertTrue(Triggers.realTime(query), "GeoPredict does not run Spark's real-time trigger");
  }

  @Test
  void everyUserHasAHomeAWorkplaceAndShoppingTrips() {
    assertEquals(USERS, profiles.size());
    for (Row profile : profiles) {
      List<String> names = new ArrayList<>();
      profile.<Row>getList(profile.fieldIndex("places")).forEach(p -> names.add(p.getAs("name")));
      assertTrue(names.contains("home") && names.contains("work"), profile.toString());
      assertTrue(profile.getList(profile.fieldIndex("trips")).size() > 0, profile.toString());
    }
  }

  @Test
  void afterWorkMostUsersGoToTheShopNearestTheirWork() throws Exception {
    // The generated habit: after work, 75% of trips go to the shop nearest the workplace.
    List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
    for (Row profile : profiles) {
      Row work = place(profile, "work");
      String body =
          body(profile.getAs("user"), work.getAs("lat"), work.getAs("lon"), WEEKDAY_EVENING);
      replies.add(CLIENT.sendAsync(post(body).build(), HttpResponse.BodyHandlers.ofString()));
    }
    int habitual = 0;
    for (int i = 0; i < USERS; i++) {
      HttpResponse<String> response = replies.get(i).get();
      assertEquals(200, response.statusCode(), response.body());
      JsonNode reply = JSON.readTree(response.body());
      assertEquals("work", reply.get("from").asText(), response.body());
      assertEquals("weekday evening", reply.get("slot").asText());
      double probability = reply.get("probability").asDouble();
      assertTrue(probability > 0 && probability <= 1, response.body());
      Row work = place(profiles.get(i), "work");
      String nearest =
          Shops.ALL.stream()
              .min(Comparator.comparingDouble(s -> metres(s, work)))
              .orElseThrow()
              .name();
      if (reply.at("/destination/shop").asText().equals(nearest)) {
        habitual++;
      }
    }
    assertTrue(habitual >= USERS - 3, habitual + " of " + USERS + " users");
  }

  @Test
  void answersFromHomeAtTheWeekend() throws Exception {
    Row profile = profiles.get(0);
    Row home = place(profile, "home");
    HttpResponse<String> response =
        predict(profile.getAs("user"), home.getAs("lat"), home.getAs("lon"), SATURDAY_MORNING);
    assertEquals(200, response.statusCode(), response.body());
    JsonNode reply = JSON.readTree(response.body());
    assertEquals("home", reply.get("from").asText());
    assertEquals("weekend morning", reply.get("slot").asText());
    assertTrue(reply.at("/destination/lat").isNumber(), response.body());
    assertTrue(reply.at("/basedOn/trips").asInt() > 0, response.body());
  }

  @Test
  void farFromEveryKnownPlaceFallsBackToAllTrips() throws Exception {
    HttpResponse<String> response = predict(profiles.get(1).getAs("user"), 38.60, -9.30, null);
    assertEquals(200, response.statusCode(), response.body());
    JsonNode reply = JSON.readTree(response.body());
    assertEquals("elsewhere", reply.get("from").asText());
    assertEquals("any", reply.at("/basedOn/from").asText());
  }

  @Test
  void manyConcurrentRequestsAreAllAnswered() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      Row profile = profiles.get(i % USERS);
      replies.add(
          CLIENT.sendAsync(
              post(body(profile.getAs("user"), 38.72, -9.14, WEEKDAY_EVENING)).build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < replies.size(); i++) {
      HttpResponse<String> response = replies.get(i).get();
      assertEquals(200, response.statusCode(), response.body());
      assertEquals(
          profiles.get(i % USERS).<String>getAs("user"),
          JSON.readTree(response.body()).get("user").asText());
    }
  }

  @Test
  void unknownUserIs404() throws Exception {
    HttpResponse<String> response = predict("nobody", 38.72, -9.14, null);
    assertEquals(404, response.statusCode());
    assertEquals("{\"error\":\"unknown user 'nobody'\"}", response.body());
  }

  @Test
  void bodiesTheSchemaRefusesAre400ProblemsFromTheServer() throws Exception {
    // body -> the JSON Pointer and the start of the detail of the first error
    Map<String, String[]> cases =
        Map.of(
            "not json", new String[] {"", "Unrecognized token"},
            "", new String[] {"", "expected a JSON object, got an empty body"},
            "{\"lat\":38.7,\"lon\":-9.1}", new String[] {"/user", "missing required field"},
            "{\"user\":\"u001\",\"lat\":38.7}", new String[] {"/lon", "missing required field"},
            "{\"user\":\"u001\",\"lat\":38.7,\"lon\":-9.1,\"time\":\"yesterday\"}",
                new String[] {"/time", "expected an ISO 8601 timestamp"},
            "{\"user\":\"u001\",\"lat\":\"north\",\"lon\":-9.1}",
                new String[] {"/lat", "expected a number (DOUBLE), got a string"},
            "{\"user\":\"u001\",\"lat\":NaN,\"lon\":-9.1}",
                new String[] {"/lat", "Non-standard token 'NaN'"},
            "{\"user\":\"u001\",\"lat\":1e400,\"lon\":-9.1}",
                new String[] {"/lat", "expected a number (DOUBLE), got 1e400, out of range"});
    Map<String, CompletableFuture<HttpResponse<String>>> replies = new java.util.HashMap<>();
    cases
        .keySet()
        .forEach(
            b ->
                replies.put(
                    b, CLIENT.sendAsync(post(b).build(), HttpResponse.BodyHandlers.ofString())));
    for (Map.Entry<String, String[]> c : cases.entrySet()) {
      HttpResponse<String> response = replies.get(c.getKey()).get();
      assertEquals(400, response.statusCode(), c.getKey() + " -> " + response.body());
      assertEquals("application/problem+json", response.headers().firstValue("content-type").get());
      JsonNode error = JSON.readTree(response.body()).get("errors").get(0);
      assertEquals(c.getValue()[0], error.get("pointer").asText(), c.getKey() + " -> " + error);
      assertTrue(
          error.get("detail").asText().startsWith(c.getValue()[1]), c.getKey() + " -> " + error);
    }
  }

  @Test
  void coordinatesOutOfRangeAre400FromTheQuery() throws Exception {
    HttpResponse<String> response = send(post("{\"user\":\"u001\",\"lat\":238.7,\"lon\":-9.1}"));
    assertEquals(400, response.statusCode(), response.body());
    assertEquals("application/json", response.headers().firstValue("content-type").get());
    assertTrue(
        JSON.readTree(response.body()).get("error").asText().startsWith("lat must be within"),
        response.body());
  }

  @Test
  void otherPathsAndMethodsAreRefused() throws Exception {
    HttpRequest.Builder below =
        request("/predict/else")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body("u001", 38.7, -9.1, null)));
    assertEquals(404, send(below).statusCode());
    // The typed service needs a JSON body: a form gets 415 from the server itself, and no body
    // at all 400.
    HttpRequest.Builder form =
        request(PredictService.PATH)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("user=u001"));
    assertEquals(415, send(form).statusCode());
    assertEquals(400, send(request(PredictService.PATH).POST(noBody())).statusCode());
    assertEquals(405, send(request(PredictService.PATH).GET()).statusCode());
  }

  private static Row place(Row profile, String name) {
    return profile.<Row>getList(profile.fieldIndex("places")).stream()
        .filter(p -> name.equals(p.getAs("name")))
        .findFirst()
        .orElseThrow();
  }

  private static double metres(Shops.Shop shop, Row place) {
    double dLat = Math.toRadians(shop.lat() - place.<Double>getAs("lat"));
    double dLon = Math.toRadians(shop.lon() - place.<Double>getAs("lon"));
    return Math.hypot(dLat, dLon * Math.cos(Math.toRadians(shop.lat())));
  }

  private static HttpResponse<String> predict(String user, double lat, double lon, String time)
      throws Exception {
    return send(post(body(user, lat, lon, time)));
  }

  private static String body(String user, double lat, double lon, String time) {
    String json = "{\"user\":\"" + user + "\",\"lat\":" + lat + ",\"lon\":" + lon;
    return json + (time == null ? "}" : ",\"time\":\"" + time + "\"}");
  }

  private static HttpRequest.Builder post(String body) {
    return request(PredictService.PATH)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private static HttpRequest.BodyPublisher noBody() {
    return HttpRequest.BodyPublishers.noBody();
  }

  private static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + config.serving().port() + path))
        .timeout(Duration.ofSeconds(60));
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
