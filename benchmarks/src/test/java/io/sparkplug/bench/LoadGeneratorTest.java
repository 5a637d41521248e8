package io.sparkplug.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
final class LoadGeneratorTest {
  private static BareNettyServer server;

  @BeforeAll
  static void startServer() throws InterruptedException {
    server = BareNettyServer.start("127.0.0.1", 0, 2);
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  private static String echoUrl() {
    return "http://127.0.0.1:" + server.port() + "/echo";
  }

  private static void assertHealthy(LoadResult result) {
    assertTrue(result.ok() > 0, result::toJson);
    assertEquals(0, result.errors(), result::summary);
    assertEquals(0, result.non2xx(), result::toJson);
    assertEquals(result.sent(), result.ok(), result::toJson);
    assertTrue(result.p50Ms() <= result.p99Ms(), result::toJson);
    assertTrue(result.p99Ms() <= result.maxMs(), result::toJson);
    assertTrue(result.throughputRps() > 0, result::toJson);
  }

  @Test
  void openLoopSendsAtTheRequestedRate() {
    LoadResult result =
        LoadGenerator.run(
            new String[] {
              "--url",
              echoUrl(),
              "--method",
              "POST",
              "--body",
              "ping",
              "--rate",
              "200",
              "--duration",
              "1.5",
              "--connections",
              "4",
              "--warmup",
              "0.5"
            });
    assertHealthy(result);
    assertEquals("open", result.mode());
    // Not a speed: in the open loop request i is due at start + i/rate, and a late tick releases
    // every request due by then, so after the warm-up exactly rate x duration = 300 are sent
    // however busy the cores are; the tolerance covers only where the window's edges fall.
    assertEquals(300, result.sent(), 30, result::toJson);
  }

  @Test
  void closedLoopKeepsEveryConnectionBusy() {
    LoadResult result =
        LoadGenerator.run(
            new String[] {
              "--url",
              echoUrl(),
              "--method",
              "POST",
              "--body",
              "ping",
              "--connections",
              "4",
              "--duration",
              "1.5"
            });
    assertHealthy(result);
    assertEquals("closed", result.mode());
    assertEquals(null, result.rate());
  }

  @Test
  void jsonScenarioAnswersOk() {
    String url = "http://127.0.0.1:" + server.port() + "/json";
    LoadResult result =
        LoadGenerator.run(
            new String[] {
              "--url",
              url,
              "--method",
              "POST",
              "--body",
              "{\"name\":\"ada\",\"amount\":12.5}",
              "--header",
              "Content-Type: application/json",
              "--rate",
              "100",
              "--duration",
              "1"
            });
    assertHealthy(result);
  }

  @Test
  void nonSuccessStatusesAreCountedApart() {
    String url = "http://127.0.0.1:" + server.port() + "/missing";
    LoadResult result =
        LoadGenerator.run(new String[] {"--url", url, "--rate", "100", "--duration", "1"});
    assertEquals(0, result.ok(), result::toJson);
    assertEquals(0, result.errors(), result::toJson);
    assertEquals(result.sent(), result.non2xx(), result::toJson);
  }

  @Test
  void everyRequestToAClosedPortIsAnError() throws IOException {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    String url = "http://127.0.0.1:" + closedPort + "/echo";
    LoadResult open =
        LoadGenerator.run(new String[] {"--url", url, "--rate", "100", "--duration", "1"});
    assertTrue(open.sent() > 0, open::toJson);
    assertEquals(open.sent(), open.errors(), open::toJson);
    assertEquals(0, open.ok());

    LoadResult closed =
        LoadGenerator.run(new String[] {"--url", url, "--connections", "2", "--duration", "0.5"});
    assertTrue(closed.sent() > 0, closed::toJson);
    assertEquals(closed.sent(), closed.errors(), closed::toJson);
  }

  @Test
  void invalidArgumentIsNamedAndExitsWithTwo() {
    InvalidArgumentException bad =
        assertThrows(
            InvalidArgumentException.class,
            () -> LoadGenerator.run(new String[] {"--url", echoUrl(), "--rate", "-5"}));
    assertEquals("--rate", bad.argument());

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        LoadGenerator.execute(
            new String[] {"--url", echoUrl(), "--conections", "4"},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, code);
    assertEquals("", out.toString(StandardCharsets.UTF_8));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--conections"), err::toString);
  }

  @Test
  void executePrintsOneJsonLine() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code =
        LoadGenerator.execute(
            new String[] {"--url", echoUrl(), "--rate", "50", "--duration", "0.5"},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertEquals(0, code);
    String json = out.toString(StandardCharsets.UTF_8).trim();
    assertTrue(json.startsWith("{\"mode\":\"open\",\"rate\":50.0,\"connections\":16,"), json);
    assertTrue(json.endsWith("}") && !json.contains("\n"), json);
    for (String field :
        new String[] {"sent", "ok", "errors", "non2xx", "throughputRps", "p999Ms"}) {
      assertTrue(json.contains("\"" + field + "\":"), json);
    }
  }
}
