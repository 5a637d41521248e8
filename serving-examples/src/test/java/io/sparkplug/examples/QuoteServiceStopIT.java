package io.sparkplug.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkplug.examples.common.SparkJvm;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's service in a JVM of its own, stopped the way Ctrl-C or a process manager stops it
 * (SIGTERM): it says it serves only after the real-time warm-up, answers, exits within a bounded
 * time, and its log holds no ERROR and no stack trace. Until 2026-12-03 every such stop printed a
 * failed shutdown hook ("Cannot call methods on a stopped SparkContext"): the main thread stopped
 * Spark while the hook was still stopping the query.
 */
@Timeout(300)
class QuoteServiceStopIT {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @Test
  void sigtermStopsTheRealTimeServiceWithoutErrorsOrStackTraces() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Path dir = Files.createTempDirectory("quote-stop-it");
    Path log = dir.resolve("quote.log");
    List<String> command =
        SparkJvm.command(
            List.of(
                "-Xmx1g",
                "-Dport=" + port,
                "-Dmaster=local[2]",
                "-Dcheckpoint=" + dir.resolve("checkpoint"),
                "-cp",
                System.getProperty("java.class.path"),
                QuoteService.class.getName()));
    Process service =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    try {
      long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      while (!read(log).contains("serving at")) {
        assertTrue(service.isAlive(), () -> "the service exited:\n" + read(log));
        assertTrue(System.nanoTime() < deadline, () -> "no 'serving at' in 3 min:\n" + read(log));
        Thread.sleep(100);
      }
      assertTrue(read(log).contains("in real-time mode"), () -> read(log));
      for (int i = 1; i <= 20; i++) {
        HttpResponse<String> response =
            CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/quote"))
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(10))
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"item\":\"apple\",\"quantity\":" + i + "}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.body().contains("apple"), response.body());
      }

      service.destroy(); // SIGTERM
      assertTrue(
          service.waitFor(60, TimeUnit.SECONDS),
          () -> "still running 60 s after SIGTERM:\n" + read(log));
      String text = read(log);
      for (String line : text.split("\n")) {
        assertTrue(!line.matches("^\\S+ ERROR .*"), () -> "an ERROR line:\n" + text);
        assertTrue(!line.startsWith("\tat "), () -> "a stack trace:\n" + text);
        assertTrue(!line.contains("ShutdownHook"), () -> "a shutdown hook failed:\n" + text);
      }
    } finally {
      if (service.isAlive()) {
        service.destroyForcibly();
        service.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log, StandardCharsets.ISO_8859_1);
    } catch (java.io.IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
