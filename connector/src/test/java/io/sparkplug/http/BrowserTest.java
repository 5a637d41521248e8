package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real browser against real queries: Swagger UI (from the webjar, served on another port) renders
 * every operation of {@code /-/openapi.json}, and a page of another origin calls a service with a
 * cross-origin {@code fetch} (a JSON POST with a bearer token, so the browser sends a preflight):
 * the allowed origin gets the reply, any other origin is refused by the browser.
 */
@Timeout(300)
class BrowserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "browser-test-token";
  private static final Set<String> OPERATIONS =
      Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

  private static PageServer pages;
  private static PageServer strangers;
  private static int port;
  private static StreamingQuery recommend;
  private static StreamingQuery echo;
  private static StreamingQuery guarded;
  private static int guardedPort;

  @BeforeAll
  static void start() throws Exception {
    Chromium.executable();
    pages = new PageServer();
    strangers = new PageServer();
    port = TestSpark.freePort();
    recommend =
        TestQueries.serve(
            TestSpark.requests(
                    port,
                    "path",
                    "/users/{id}/recommendations",
                    "requestSchema",
                    "item STRING NOT NULL, quantity INT NOT NULL, price DECIMAL(8,2),"
                        + " tags ARRAY<STRING>, at TIMESTAMP",
                    "corsOrigins",
                    pages.origin())
                .select(col("id"), lit("{\"userId\":\"u1\"}").as("body")),
            "port",
            Integer.toString(port),
            "path",
            "/users/{id}/recommendations",
            "replySchema",
            "userId STRING NOT NULL, recommendations ARRAY<STRING>, score DOUBLE");
    echo =
        TestQueries.serve(
            TestSpark.requests(port, "path", "/echo", "corsOrigins", pages.origin())
                .select(col("id"), col("body")),
            "port",
            Integer.toString(port),
            "path",
            "/echo");
    guardedPort = TestSpark.freePort();
    guarded =
        TestQueries.serve(
            TestSpark.requests(
                    guardedPort,
                    "path",
                    "/quote",
                    "authToken",
                    TOKEN,
                    "corsOrigins",
                    pages.origin())
                .select(col("id"), concat(lit("quoted "), col("body").cast("string")).as("body")));
    TestSpark.awaitListening(port);
    TestSpark.awaitListening(guardedPort);
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              String health = Http.get(port, "/-/health").body();
              return health.contains("/echo") && health.contains("/users/{id}/recommendations");
            });
    // The first batch of a query is slow to plan: let it pass before the browser's clock runs.
    HttpRequest warmUp =
        HttpRequest.newBuilder(Http.uri(guardedPort, "/quote"))
            .header("Authorization", "Bearer " + TOKEN)
            .POST(HttpRequest.BodyPublishers.ofString("warm"))
            .build();
    assertEquals(200, Http.send(warmUp).statusCode());
  }

  @AfterAll
  static void stop() throws Exception {
    for (StreamingQuery query : List.of(recommend, echo, guarded)) {
      query.stop();
    }
    pages.close();
    strangers.close();
  }

  /** Swagger UI's element id of each operation: operations-{first tag or default}-{id}. */
  private static List<String> operationIds(JsonNode doc) {
    List<String> ids = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields();
        paths.hasNext(); ) {
      for (Iterator<Map.Entry<String, JsonNode>> ops = paths.next().getValue().fields();
          ops.hasNext(); ) {
        Map.Entry<String, JsonNode> op = ops.next();
        if (OPERATIONS.contains(op.getKey())) {
          String tag = op.getValue().path("tags").path(0).asText("default");
          ids.add("operations-" + tag + "-" + op.getValue().path("operationId").asText());
        }
      }
    }
    return ids;
  }

  @Test
  void swaggerUiRendersEveryOperation() throws Exception {
    String spec = Http.uri(port, "/-/openapi.json").toString();
    pages.swaggerUi("/swagger.html", spec);
    JsonNode doc = JSON.readTree(Http.get(port, "/-/openapi.json").body());
    List<String> ids = operationIds(doc);
    assertTrue(ids.size() >= 10, ids.toString());

    String dom = Chromium.dumpDom(pages.url("/swagger.html"), 20_000);
    assertFalse(dom.contains("Failed to load API definition"), dom);
    assertTrue(dom.contains(doc.at("/info/title").asText()), "title not rendered");
    for (String id : ids) {
      assertTrue(dom.contains("id=\"" + id + "\""), "Swagger UI did not render " + id);
    }
    assertTrue(dom.contains("/users/{id}/recommendations"));

    Path png = Path.of("target", "openapi-swagger-ui.png");
    Files.createDirectories(png.getParent());
    // Deep link: the templated POST opened, its parameter, typed body and replies in view.
    Chromium.screenshot(
        pages.url("/swagger.html#/default/postUsersIdRecommendations"), png, 1280, 2600, 20_000);
    assertTrue(Files.size(png) > 10_000, "screenshot too small to show anything");
  }

  /** A page that POSTs JSON with a bearer token to the service and writes the outcome. */
  private static String fetchPage(String target) {
    return "<!doctype html><html><body><pre id=\"out\">pending</pre><script>"
        + "fetch('"
        + target
        + "', {method: 'POST', headers: {'Content-Type': 'application/json',"
        + " 'Authorization': 'Bearer "
        + TOKEN
        + "'}, body: JSON.stringify({n: 1})})"
        + ".then(r => r.text().then(t => {document.getElementById('out').textContent ="
        + " 'status ' + r.status + ' body ' + t;}))"
        + ".catch(e => {document.getElementById('out').textContent = 'failed: ' + e.name;});"
        + "</script></body></html>";
  }

  @Test
  void allowedOriginFetchesAcrossOriginsWithItsToken() {
    pages.page("/fetch.html", fetchPage(Http.uri(guardedPort, "/quote").toString()));
    String dom = Chromium.dumpDom(pages.url("/fetch.html"), 15_000);
    assertTrue(
        dom.contains("status 200 body quoted {\"n\":1}"), "the page did not get the reply: " + dom);
  }

  @Test
  void anotherOriginIsRefusedByTheBrowser() {
    long before = accepted();
    strangers.page("/fetch.html", fetchPage(Http.uri(guardedPort, "/quote").toString()));
    String dom = Chromium.dumpDom(strangers.url("/fetch.html"), 15_000);
    assertTrue(dom.contains("failed: TypeError"), "the fetch was not refused: " + dom);
    assertFalse(dom.contains("quoted"), dom);
    // The preflight failed, so the POST itself never reached the query.
    assertEquals(before, accepted());
  }

  private static long accepted() {
    HttpRequest metrics =
        HttpRequest.newBuilder(Http.uri(guardedPort, "/-/metrics"))
            .header("Authorization", "Bearer " + TOKEN)
            .build();
    long total = 0;
    for (String line : Http.send(metrics).body().split("\n")) {
      // Every admitted request, however it ended, and those still pending.
      if (line.startsWith("sparkplug_requests_total{")
          || line.startsWith("sparkplug_requests_pending{")) {
        total += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }
}
