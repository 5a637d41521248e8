package io.sparkplug.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP/1.1 conformance suite through the HAProxy configurations the project ships, in front of
 * a real service: {@code docker/haproxy/haproxy.cfg} (Compose) with the variables Compose sets and
 * the driver's server pointed at 127.0.0.1, and the configuration {@code docker/local}'s {@code
 * write_haproxy_config} generates. Each HAProxy runs in the foreground ({@code -db}), is recorded
 * by PID and stopped by that PID. Without an {@code haproxy} binary the test is skipped, except
 * under CI (where {@code .ci/run} installs it), where it fails.
 */
@Timeout(600)
class HaproxyConformanceTest {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static int servicePort;
  private static StreamingQuery service;
  private static final List<Haproxy> started = new ArrayList<>();
  private static Haproxy compose;
  private static Haproxy local;

  @BeforeAll
  static void start() throws Exception {
    Optional<Path> haproxy = onPath("haproxy");
    if (haproxy.isEmpty()) {
      if (System.getenv("CI") != null) {
        fail("haproxy is not installed; .ci/run installs it");
      }
      Assumptions.abort("haproxy is not installed");
    }
    servicePort = TestSpark.freePort();
    service = ConformanceTest.echoWithStatus(servicePort);
    ConformanceTest.awaitServing(servicePort, service);
    compose = Haproxy.start(haproxy.get(), "compose", renderCompose());
    started.add(compose);
    local = Haproxy.start(haproxy.get(), "local", renderLocal());
    started.add(local);
    for (Haproxy proxy : started) {
      proxy.awaitBackendUp();
    }
  }

  @AfterAll
  static void stop() throws TimeoutException {
    for (Haproxy proxy : started) {
      proxy.stop();
    }
    if (service != null) {
      service.stop();
    }
  }

  @TestFactory
  Stream<DynamicTest> throughComposeHaproxy() {
    return Conformance.tests(compose.port, true);
  }

  @TestFactory
  Stream<DynamicTest> throughLocalHaproxy() {
    return Conformance.tests(local.port, true);
  }

  /**
   * docker/haproxy/haproxy.cfg as Compose runs it, on loopback: the listening addresses made
   * 127.0.0.1 with free ports, and the {@code driver} server (a DNS name under Compose) our
   * service's address. The executor templates keep their names, which resolve to nothing here.
   */
  private static Rendered renderCompose() throws IOException {
    String text = Files.readString(REPO.resolve("docker/haproxy/haproxy.cfg"));
    int port = TestSpark.freePort();
    int stats = TestSpark.freePort();
    String rendered =
        replaceOnce(
            replaceOnce(
                replaceOnce(text, "bind :8000", "bind 127.0.0.1:" + port),
                "bind :8404",
                "bind 127.0.0.1:" + stats),
            "\"driver:${SERVICE_PORT}\"",
            "\"127.0.0.1:${SERVICE_PORT}\"");
    Path file = Files.createTempFile("haproxy-compose", ".cfg");
    Files.writeString(file, rendered);
    Map<String, String> env =
        Map.of(
            "DNS_SERVER", "127.0.0.1",
            "EXECUTOR_PORT_1", Integer.toString(TestSpark.freePort()),
            "EXECUTOR_PORT_2", Integer.toString(TestSpark.freePort()),
            "SERVICE_PORT", Integer.toString(servicePort));
    return new Rendered(file, port, env);
  }

  /**
   * The configuration {@code sparkplug-local haproxy start} writes, from the same shell code, with
   * its default server timeout (60s).
   */
  private static Rendered renderLocal() throws Exception {
    int port = TestSpark.freePort();
    int stats = TestSpark.freePort();
    Path file = Files.createTempFile("haproxy-local", ".cfg");
    Process bash =
        new ProcessBuilder(
                "bash",
                "-c",
                "source \"$0\" && write_haproxy_config \"$1\" 127.0.0.1 \"$2\" \"$3\" 60s \"$4\"",
                REPO.resolve("docker/local/lib/haproxy.sh").toString(),
                file.toString(),
                Integer.toString(port),
                Integer.toString(stats),
                "127.0.0.1:" + servicePort)
            .redirectErrorStream(true)
            .start();
    if (!bash.waitFor(30, TimeUnit.SECONDS)) {
      bash.destroyForcibly();
      fail("write_haproxy_config did not finish");
    }
    assertEquals(
        0,
        bash.exitValue(),
        new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    return new Rendered(file, port, Map.of());
  }

  private static String replaceOnce(String text, String from, String to) {
    int at = text.indexOf(from);
    if (at < 0 || text.indexOf(from, at + 1) >= 0) {
      fail("the shipped configuration no longer has exactly one '" + from + "'");
    }
    return text.replace(from, to);
  }

  private static Optional<Path> onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    for (String dir : List.of("/usr/sbin", "/usr/local/sbin")) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private record Rendered(Path file, int port, Map<String, String> env) {}

  /** One HAProxy process, known by its PID. */
  private static final class Haproxy {
    final String name;
    final int port;
    final long pid;
    final Path log;
    private final Process process;

    private Haproxy(String name, int port, Process process, Path log) {
      this.name = name;
      this.port = port;
      this.process = process;
      this.pid = process.pid();
      this.log = log;
    }

    static Haproxy start(Path binary, String name, Rendered config) throws Exception {
      ProcessBuilder check =
          new ProcessBuilder(binary.toString(), "-c", "-f", config.file().toString());
      check.environment().putAll(config.env());
      Process checked = check.redirectErrorStream(true).start();
      if (!checked.waitFor(30, TimeUnit.SECONDS)) {
        checked.destroyForcibly();
        fail("haproxy -c did not finish");
      }
      String output = new String(checked.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, checked.exitValue(), name + " configuration rejected: " + output);
      Path log = Files.createTempFile("haproxy-" + name, ".log");
      ProcessBuilder builder =
          new ProcessBuilder(binary.toString(), "-db", "-f", config.file().toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      builder.environment().putAll(config.env());
      return new Haproxy(name, config.port(), builder.start(), log);
    }

    /** HAProxy listens and has found the service healthy: health through it answers 200. */
    void awaitBackendUp() {
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                if (!process.isAlive()) {
                  fail(name + " haproxy exited: " + Files.readString(log));
                }
                if (!TestSpark.canConnect(port)) {
                  return false;
                }
                HttpResponse<String> health = Http.get(port, "/-/health");
                return health.statusCode() == 200;
              });
    }

    void stop() {
      ProcessHandle.of(pid)
          .ifPresent(
              handle -> {
                handle.destroy();
                try {
                  handle.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                  handle.destroyForcibly();
                }
              });
    }
  }
}
