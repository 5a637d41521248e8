package io.sparkplug.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The whole {@code docker/compose.yaml} stack under Testcontainers: the image built from this
 * build's jars, HDFS, a Master with two Workers, the quote example as the serving driver and
 * HAProxy in front; one quote is served through HAProxy and one straight from the driver. Where no
 * Docker engine runs (as on the machines this project is built on) the class is skipped.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(1800)
class ComposeStackIT {
  private static final String APPLE = "{\"item\":\"apple\",\"quantity\":3}";
  private static final String APPLE_QUOTE =
      "{\"item\":\"apple\",\"quantity\":3,\"unitPrice\":0.5,\"total\":1.5}";
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /** Host ports, free when chosen, so that the stack does not clash with anything running. */
  private static final Map<String, String> PORTS =
      Map.of(
          "SERVICE_PORT", free(),
          "CONTROL_PORT", free(),
          "LB_PORT", free(),
          "LB_STATS_PORT", free(),
          "MASTER_UI_PORT", free(),
          "NAMENODE_UI_PORT", free());

  @Container
  private static final ComposeContainer STACK =
      new ComposeContainer(composeFile())
          .withBuild(true)
          .withEnv(PORTS)
          .withEnv("SPARK_WORKERS", "2")
          // Small containers: a build machine, not a serving one.
          .withEnv("WORKER_CORES", "1")
          .withEnv("WORKER_MEMORY", "1g")
          .withEnv("EXECUTOR_CORES", "1")
          .withEnv("EXECUTOR_MEMORY", "512m")
          .withScaledService("spark-worker", 2)
          .withStartupTimeout(Duration.ofMinutes(15));

  @BeforeAll
  static void awaitService() throws Exception {
    URI health = lb("/-/health");
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (true) {
      try {
        if (CLIENT
                .send(
                    HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // HAProxy or the driver is still starting
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("nothing healthy behind HAProxy at " + health + " in 10 min");
      }
      Thread.sleep(1000);
    }
  }

  @Test
  void quoteIsServedThroughHaproxy() throws Exception {
    HttpResponse<String> response = post(lb("/quote"));
    assertEquals(200, response.statusCode(), response.body());
    assertEquals(APPLE_QUOTE, response.body());
  }

  @Test
  void quoteIsServedByTheDriverOnItsPublishedPort() throws Exception {
    HttpResponse<String> response =
        post(URI.create("http://127.0.0.1:" + PORTS.get("SERVICE_PORT") + "/quote"));
    assertEquals(200, response.statusCode(), response.body());
    assertEquals(APPLE_QUOTE, response.body());
  }

  @Test
  void masterSeesBothWorkers() throws Exception {
    HttpResponse<String> master =
        CLIENT.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + PORTS.get("MASTER_UI_PORT") + "/json/"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, master.statusCode());
    assertTrue(master.body().replace(" ", "").contains("\"aliveworkers\":2"), master.body());
  }

  private static HttpResponse<String> post(URI uri) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(90))
            .POST(HttpRequest.BodyPublishers.ofString(APPLE))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static URI lb(String path) {
    return URI.create("http://127.0.0.1:" + PORTS.get("LB_PORT") + path);
  }

  private static File composeFile() {
    Path toolkit =
        Path.of(System.getProperty("sparkplug.toolkit", "../docker/local/sparkplug-local"));
    Path compose = toolkit.toAbsolutePath().getParent().getParent().resolve("compose.yaml");
    if (!Files.isRegularFile(compose)) {
      throw new IllegalStateException("no " + compose);
    }
    return compose.toFile();
  }

  private static String free() {
    return Integer.toString(FreePorts.on("127.0.0.1"));
  }
}
