package io.sparkplug.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Slowloris and slow-body attacks from {@code slowhttptest} (Debian's package; CI installs it),
 * bounded in connections and time, on loopback: the server cuts the slow clients off at the read
 * timeout and keeps answering everyone else.
 */
@Timeout(120)
class SlowClientsTest {
  private static final Path TOOL = Path.of("/usr/bin/slowhttptest");
  private static int port;
  private static StreamingQuery echo;

  @BeforeAll
  static void start() throws Exception {
    if (!Files.isExecutable(TOOL)) {
      // CI installs the tool (.ci/run); a machine without it cannot run these tests at all.
      Assumptions.assumeFalse(
          System.getenv("CI") == null,
          "slowhttptest is not installed (apt-get install slowhttptest)");
      throw new IllegalStateException("CI must install slowhttptest");
    }
    port = TestSpark.freePort();
    echo = TestQueries.echo(TestSpark.requests(port, "readTimeout", "2s", "idleTimeout", "4s"));
    TestSpark.awaitListening(port);
  }

  @AfterAll
  static void stop() throws Exception {
    if (echo != null) {
      echo.stop();
    }
  }

  /**
   * Runs slowhttptest with 100 slow connections for up to 8 s and returns its report; fails if the
   * probe connection ever found the service unavailable.
   */
  private static String attack(String mode) throws IOException, InterruptedException {
    Path dir = TestSpark.tempDir();
    List<String> command =
        new ArrayList<>(
            List.of(
                TOOL.toString(), mode, "-c", "100", "-r", "100", "-i", "1", "-l", "8", "-p", "3"));
    command.addAll(List.of("-s", "8192", "-g", "-o", dir.resolve("stats").toString(), "-u", url()));
    Path log = dir.resolve("slowhttptest.log");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "slowhttptest did not finish");
    } finally {
      process.destroyForcibly();
    }
    String report = Files.readString(log, StandardCharsets.UTF_8);
    // Seconds,Closed,Pending,Connected,Service Available (0 when the probe failed)
    List<String> rows = Files.readAllLines(dir.resolve("stats.csv"));
    assertTrue(rows.size() > 1, report);
    for (String row : rows.subList(1, rows.size())) {
      assertFalse(row.endsWith(",0"), "service unavailable during the attack: " + row);
    }
    return report;
  }

  private static String url() {
    return "http://127.0.0.1:" + port + "/";
  }

  private static void assertServedMeanwhile() {
    assertEquals("still here", Http.post(port, "/", "still here").body());
  }

  // The attack lasts up to 8 s; the 2 s read timeout closes every slow connection long before,
  // so slowhttptest stops early for want of open connections.

  @Test
  void slowHeadersAreCutOffAndOthersServed() throws Exception {
    String report = attack("-H");
    assertTrue(report.contains("No open connections left"), report);
    assertServedMeanwhile();
  }

  @Test
  void slowBodiesAreCutOffAndOthersServed() throws Exception {
    String report = attack("-B");
    assertTrue(report.contains("No open connections left"), report);
    assertServedMeanwhile();
  }
}
