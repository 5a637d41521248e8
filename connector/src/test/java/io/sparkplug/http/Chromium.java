package io.sparkplug.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Debian's headless Chromium, run once per page: {@code --dump-dom} prints the DOM after the page's
 * scripts ran (within a virtual-time budget), {@code --screenshot} writes a PNG. Missing Chromium
 * fails the test (CI installs it in .ci/run); it is never skipped.
 */
final class Chromium {
  private static final long TIMEOUT_SECONDS = 120;

  private Chromium() {}

  static Path executable() {
    String configured = System.getenv("CHROMIUM");
    Path path = Path.of(configured != null ? configured : "/usr/bin/chromium");
    assertTrue(
        Files.isExecutable(path),
        "headless Chromium is required at "
            + path
            + " (Debian: apt-get install -y chromium; .ci/run installs it)");
    return path;
  }

  /** The page's DOM once its scripts settled, as Chromium serializes it. */
  static String dumpDom(String url, int virtualTimeMs) {
    return run(url, "--dump-dom", "--virtual-time-budget=" + virtualTimeMs);
  }

  /** A PNG of the page at the given window size. */
  static void screenshot(String url, Path png, int width, int height, int virtualTimeMs) {
    run(
        url,
        "--screenshot=" + png.toAbsolutePath(),
        "--window-size=" + width + "," + height,
        "--hide-scrollbars",
        "--virtual-time-budget=" + virtualTimeMs);
    assertTrue(Files.isRegularFile(png), "no screenshot written to " + png);
  }

  private static String run(String url, String... extra) {
    Path profile = TestSpark.tempDir();
    List<String> command = new ArrayList<>();
    command.add(executable().toString());
    command.addAll(
        List.of(
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--user-data-dir=" + profile));
    command.addAll(List.of(extra));
    command.add(url);
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(false).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    CompletableFuture<String> out = drain(process.getInputStream());
    CompletableFuture<String> err = drain(process.getErrorStream());
    try {
      boolean finished = process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (!finished) {
        // Only the process this call started, by its handle, with its own children.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
      assertTrue(finished, "chromium did not finish in " + TIMEOUT_SECONDS + " s: " + err.join());
      assertEquals(0, process.exitValue(), "chromium failed: " + err.join());
      return out.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException(e);
    }
  }

  private static CompletableFuture<String> drain(java.io.InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "";
          }
        });
  }
}
