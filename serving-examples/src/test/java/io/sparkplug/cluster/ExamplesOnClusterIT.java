package io.sparkplug.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkplug.examples.recommender.Experiment;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The two serving examples as a team would run them in production: on a real standalone cluster (a
 * Master, two Workers, an executor JVM on each), every component a {@code spark-submit} of its own,
 * the feeds and checkpoints on a one-node HDFS, the services in executor mode behind HAProxy, and
 * the recommender's exposures sent to a real Kafka broker. The settings reach the drivers as
 * environment variables, as the examples' README says.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExamplesOnClusterIT {
  private static final String[] WORKERS = {"127.0.0.2", "127.0.0.3"};
  private static final Duration BATCH_JOB = Duration.ofMinutes(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SALT = "cluster-it";
  private static final int USERS = 300;
  private static final String TOPIC = "exposures-it";

  private static long classStart;
  private static LocalCluster cluster;
  private static Path connectorJar;
  private static Path examplesJar;
  private static String hdfs;
  private static String kafka;

  @BeforeAll
  // Bounded even when a blocking call ignores interrupts: the method runs in its own thread.
  @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  static void startCluster() throws Exception {
    classStart = System.nanoTime();
    connectorJar = ClusterTests.requiredFile("sparkplug.connector.jar");
    examplesJar = ClusterTests.requiredFile("sparkplug.examples.jar");
    cluster = LocalCluster.create("ExamplesOnClusterIT");
    cluster.startMaster();
    hdfs = cluster.startWorkersAndHdfs(List.of(WORKERS), 1, "1g");
    kafka = cluster.startKafka();
    report("cluster, HDFS and Kafka up", classStart);
  }

  /** Each test's applications hold both executors: none may outlive its test. */
  @AfterEach
  void stopApplications() {
    cluster.stopDrivers();
    cluster.stopHaproxy();
  }

  @AfterAll
  @Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  static void stopCluster() {
    ClusterTests.closeAndAssertNothingLeft(cluster);
    report("whole class", classStart);
  }

  /**
   * ETL, then training, then serving, each submitted on its own; the service answers through the
   * balancer from both executors, with the variant the offline assignment gives, and every
   * recommendation served reaches Kafka.
   */
  @Test
  @Order(1)
  @Timeout(900)
  void recommenderRunsAsThreeJobsAndServesInExecutorMode() throws Exception {
    int port = FreePorts.onEvery(WORKERS);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("RECOMMENDER_DATA_DIR", hdfs + "/examples/recommender");
    env.put("RECOMMENDER_USERS", Integer.toString(USERS));
    env.put("RECOMMENDER_ALS_ITERATIONS", "5");
    env.put("RECOMMENDER_SALT", SALT);

    String interactions =
        runToCompletion("recommender-etl", "recommender.PhotoEtl", List.of(connectorJar), env);
    assertTrue(interactions.startsWith(hdfs + "/examples/recommender/interactions/v1/"));
    String model =
        runToCompletion(
            "recommender-trainer", "recommender.AlsTrainer", List.of(connectorJar), env);
    assertTrue(model.startsWith(hdfs + "/examples/recommender/models/als/v1/"), model);

    env.putAll(servingEnv(port, "recommender"));
    env.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
    env.put("RECOMMENDER_EXPOSURE_TOPIC", TOPIC);
    List<Path> jars = new ArrayList<>(List.of(connectorJar));
    jars.addAll(kafkaConnectorJars());
    SparkDriver service =
        submit("recommender", "recommender.RecommendationService", jars, env, List.of());
    URI balancer = serveBehindBalancer(service, port);
    URI url = balancer.resolve("/recommendations");
    awaitReadyThenFirstReply(service, balancer, withQuery(url, "user=42"), null);

    // Every user of a sample gets the variant the offline function gives, from either executor.
    Experiment experiment = new Experiment(SALT, 50);
    Map<String, Integer> variants = new HashMap<>();
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int user = 1; user <= 80; user++) {
      calls.add(send(HttpRequest.newBuilder(withQuery(url, "user=" + user)).GET()));
    }
    int served = 1; // the first reply above
    for (int user = 1; user <= calls.size(); user++) {
      HttpResponse<String> response = calls.get(user - 1).get(60, TimeUnit.SECONDS);
      if (response.statusCode() == 404) { // a generated user may have no usable photo
        assertEquals("{\"error\":\"unknown user " + user + "\"}", response.body());
        continue;
      }
      assertEquals(200, response.statusCode(), "user " + user + ": " + response.body());
      assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
      JsonNode reply = JSON.readTree(response.body());
      String variant = reply.get("variant").asText();
      assertEquals(experiment.variant(user), variant, "user " + user);
      assertEquals(3, reply.get("items").size(), response.body());
      assertEquals(variant.equals(Experiment.ALS), reply.has("model"), response.body());
      if (reply.has("model")) {
        assertTrue(model.endsWith(reply.get("model").asText()), model + " vs " + response.body());
      }
      if (served == 1) {
        System.out.println("ExamplesOnClusterIT: user " + user + " -> " + response.body());
      }
      variants.merge(variant, 1, Integer::sum);
      served++;
    }
    assertEquals(Set.of(Experiment.ALS, Experiment.STATIC), variants.keySet(), variants.toString());
    assertTrue(served >= 70, served + " of 81 users served");

    HttpResponse<String> byPost =
        send(HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.ofString("{\"user\":7}")))
            .get(60, TimeUnit.SECONDS);
    assertEquals(200, byPost.statusCode(), byPost.body());
    served++;
    assertJsonError(404, ClusterTests.get(withQuery(url, "user=999999")), "unknown user 999999");
    assertJsonError(
        400, ClusterTests.get(withQuery(url, "user=abc")), "user must be a numeric id, not 'abc'");
    HttpResponse<String> notJson =
        send(HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.ofString("{user")))
            .get(60, TimeUnit.SECONDS);
    assertJsonError(400, notJson, "body must be a JSON object");

    assertBothExecutorsReplied(port);

    // Each recommendation served is one exposure record in Kafka, keyed by user.
    List<ConsumerRecord<String, String>> records = awaitRecords(TOPIC, served);
    Set<String> requests = new HashSet<>();
    for (ConsumerRecord<String, String> record : records) {
      JsonNode exposure = JSON.readTree(record.value());
      assertEquals(record.key(), exposure.get("user").asText(), record.value());
      assertEquals(
          experiment.variant(exposure.get("user").asLong()), exposure.get("variant").asText());
      assertEquals(3, exposure.get("items").size(), record.value());
      assertTrue(exposure.hasNonNull("servedAt"), record.value());
      requests.add(exposure.get("request").asText());
    }
    assertEquals(served, requests.size(), "distinct requests among " + records.size());
    System.out.println(
        "ExamplesOnClusterIT: "
            + records.size()
            + " exposures in Kafka, variants "
            + variants
            + ", for example "
            + records.get(0).key()
            + " -> "
            + records.get(0).value());

    cluster.stopDriver(service);
    cluster.stopHaproxy();
    // Stopping flushed the exposure feed too: one folder per day of JSON lines on HDFS.
    List<String> days = ClusterTests.hdfsListing(cluster, "/examples/recommender/exposures/v1");
    assertTrue(days.stream().anyMatch(name -> name.startsWith("date=")), days.toString());
  }

  /** The ping generator, then the miner, then the prediction service, each a job of its own. */
  @Test
  @Order(2)
  @Timeout(900)
  void geoPredictRunsAsThreeJobsAndServesInExecutorMode() throws Exception {
    int port = FreePorts.onEvery(WORKERS);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("GEO_DATA_DIR", hdfs + "/examples/geopredict");
    env.put("GEO_USERS", "12");
    env.put("GEO_DAYS", "21");

    String pings = runToCompletion("geo-pings", "geopredict.Pings", List.of(connectorJar), env);
    assertTrue(pings.startsWith(hdfs + "/examples/geopredict/"), pings);
    String profiles =
        runToCompletion("geo-miner", "geopredict.PlaceMiner", List.of(connectorJar), env);
    assertTrue(profiles.startsWith(hdfs + "/examples/geopredict/"), profiles);

    env.putAll(servingEnv(port, "geopredict"));
    SparkDriver service =
        submit("geopredict", "geopredict.PredictService", List.of(connectorJar), env, List.of());
    URI balancer = serveBehindBalancer(service, port);
    URI url = balancer.resolve("/predict");
    awaitReadyThenFirstReply(service, balancer, url, predictBody("u001", 0.0, 0.0));

    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int round = 0; round < 4; round++) {
      for (int user = 1; user <= 12; user++) {
        String body = predictBody(String.format("u%03d", user), 38.60, -9.30);
        calls.add(
            send(HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.ofString(body))));
      }
    }
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      HttpResponse<String> response = call.get(60, TimeUnit.SECONDS);
      assertEquals(200, response.statusCode(), response.body());
      if (call == calls.get(0)) {
        System.out.println("ExamplesOnClusterIT: " + response.body());
      }
      JsonNode reply = JSON.readTree(response.body());
      assertEquals("elsewhere", reply.get("from").asText(), response.body());
      assertTrue(reply.at("/destination/shop").isTextual(), response.body());
      double probability = reply.get("probability").asDouble();
      assertTrue(probability > 0 && probability <= 1, response.body());
    }
    HttpResponse<String> unknown =
        send(HttpRequest.newBuilder(url)
                .POST(HttpRequest.BodyPublishers.ofString(predictBody("nobody", 38.7, -9.1))))
            .get(60, TimeUnit.SECONDS);
    assertJsonError(404, unknown, "unknown user 'nobody'");
    HttpResponse<String> noLocation =
        send(HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.ofString("{\"user\":1}")))
            .get(60, TimeUnit.SECONDS);
    // GeoPredict's requestSchema: the executor's server refuses the body before the query.
    assertEquals(400, noLocation.statusCode(), noLocation.body());
    assertEquals(
        "application/problem+json", noLocation.headers().firstValue("content-type").orElse(""));
    JsonNode problem = JSON.readTree(noLocation.body());
    assertEquals("urn:sparkplug-http:problem:invalid-request", problem.get("type").asText());
    assertEquals("/user", problem.at("/errors/0/pointer").asText(), noLocation.body());
    assertEquals("/lat", problem.at("/errors/1/pointer").asText(), noLocation.body());

    assertBothExecutorsReplied(port);
    cluster.stopDriver(service);
    cluster.stopHaproxy();
  }

  /** The settings of a service: executor mode on {@code port}, its checkpoint on HDFS. */
  private static Map<String, String> servingEnv(int port, String name) {
    return Map.of(
        "SPARKPLUG_MODE",
        "executor",
        "SPARKPLUG_PORT",
        Integer.toString(port),
        "SPARKPLUG_CHECKPOINT",
        hdfs + "/examples/checkpoints/" + name);
  }

  private static SparkDriver submit(
      String name, String mainClass, List<Path> jars, Map<String, String> env, List<String> args) {
    return cluster.submit(
        name,
        "io.sparkplug.examples." + mainClass,
        examplesJar,
        jars,
        Map.of(
            "spark.executor.memory", "512m",
            // The example data is small: a few shuffle partitions, not 200 tiny tasks.
            "spark.sql.shuffle.partitions", "4",
            // One DataNode: files with one replica, as docker/local/README.md advises.
            "spark.hadoop.dfs.replication", "1"),
        env,
        args);
  }

  /** Submits a batch component, waits for it to end, and returns the folder it published. */
  private static String runToCompletion(
      String name, String mainClass, List<Path> jars, Map<String, String> env) {
    long start = System.nanoTime();
    SparkDriver driver = submit(name, mainClass, jars, env, List.of());
    ProcessHandle process =
        ProcessHandle.of(driver.pid()).orElseThrow(() -> new AssertionError(name + " not running"));
    assertTrue(
        LocalCluster.awaitExit(process, BATCH_JOB),
        name + " still running after " + BATCH_JOB + ":\n" + driver.logTail(40));
    String log = driver.logTail(400);
    String published =
        log.lines()
            .filter(line -> line.startsWith("published "))
            .map(line -> line.substring("published ".length()).trim())
            .findFirst()
            .orElseThrow(() -> new AssertionError(name + " published nothing:\n" + log));
    report(name + " published " + published, start);
    return published;
  }

  /** Waits until every executor serves, then starts HAProxy in front of them. */
  private static URI serveBehindBalancer(SparkDriver service, int port) throws Exception {
    long start = System.nanoTime();
    for (String host : WORKERS) {
      service.awaitListening(host, port, Duration.ofMinutes(4));
    }
    report(service.name() + " serving on both executors", start);
    return cluster.startHaproxy(List.of(WORKERS[0] + ":" + port, WORKERS[1] + ":" + port));
  }

  /**
   * Readiness, then the first request asserted as is: the driver's log shows a finished batch
   * (Spark's "Streaming query made progress", at INFO in spark-submit's default logging) and the
   * balancer's health check answers 200; only then is the first real request sent, once.
   */
  private static void awaitReadyThenFirstReply(
      SparkDriver service, URI balancer, URI uri, String postBody) throws Exception {
    long start = System.nanoTime();
    Awaitility.await("a first progress of " + service.name())
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              if (!service.isAlive()) {
                throw new AssertionError(service.name() + " exited:\n" + service.logTail(60));
              }
              return service.logContains("Streaming query made progress");
            });
    ClusterTests.awaitHealthy(balancer, Duration.ofMinutes(1));
    HttpRequest.Builder request = HttpRequest.newBuilder(uri);
    if (postBody != null) {
      request.POST(HttpRequest.BodyPublishers.ofString(postBody));
    }
    HttpResponse<String> first = send(request).get(60, TimeUnit.SECONDS);
    assertEquals(200, first.statusCode(), uri + ": " + first.body());
    report("first reply from " + uri, start);
  }

  /** Both executor servers answered requests themselves: their own metrics say so. */
  private static void assertBothExecutorsReplied(int port) throws Exception {
    for (String host : WORKERS) {
      HttpResponse<String> metrics =
          ClusterTests.get(URI.create("http://" + host + ":" + port + "/-/metrics"));
      assertEquals(200, metrics.statusCode(), metrics.body());
      double replied =
          metrics
              .body()
              .lines()
              .filter(line -> line.startsWith("sparkplug_requests_total{"))
              .filter(line -> line.contains("outcome=\"replied\""))
              .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
              .sum();
      assertTrue(replied > 0, host + " replied to no request:\n" + metrics.body());
    }
  }

  private static List<ConsumerRecord<String, String>> awaitRecords(String topic, int count) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "examples-on-cluster-it");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(topic));
      while (records.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
      }
    }
    assertEquals(count, records.size(), "exposure records in Kafka topic " + topic);
    return records;
  }

  private static List<Path> kafkaConnectorJars() throws IOException {
    Path dir = Path.of(System.getProperty("sparkplug.kafka.jars", "target/kafka-connector-jars"));
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> jars = files.filter(file -> file.toString().endsWith(".jar")).sorted().toList();
      assertFalse(jars.isEmpty(), "no Kafka connector jars in " + dir);
      return jars;
    }
  }

  private static CompletableFuture<HttpResponse<String>> send(HttpRequest.Builder request) {
    return ClusterTests.CLIENT.sendAsync(
        request.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertJsonError(int status, HttpResponse<String> response, String error)
      throws IOException {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
    String message = JSON.readTree(response.body()).get("error").asText();
    assertTrue(message.startsWith(error), message);
  }

  /** {@code url} with a query string ({@code URI.resolve("?q")} would drop the path). */
  private static URI withQuery(URI url, String query) {
    return URI.create(url + "?" + query);
  }

  private static String predictBody(String user, double lat, double lon) {
    return "{\"user\":\"" + user + "\",\"lat\":" + lat + ",\"lon\":" + lon + "}";
  }

  private static void report(String what, long since) {
    ClusterTests.report("ExamplesOnClusterIT", what, since);
  }
}
