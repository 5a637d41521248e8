package io.sparkplug.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What {@link SoakIT} reads off the running processes: requests pending (the driver's directory of
 * servers and each server's {@code /-/metrics}), heap in use ({@code jcmd GC.heap_info}), and open
 * file descriptors ({@code /proc/PID/fd}).
 */
final class SoakProbes {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A heap line of {@code GC.heap_info}: "garbage-first heap total 524288K, used 123456K". */
  private static final Pattern HEAP_LINE =
      Pattern.compile("^\\s*\\S.*?\\s+total (\\d+)K, used (\\d+)K", Pattern.MULTILINE);

  private SoakProbes() {}

  /** Heap of one JVM in MB: in use, and committed. */
  record Heap(long usedMb, long committedMb) {}

  /** Sum of {@code pending} over the servers of the driver's directory. */
  static long directoryPending(URI directory) throws IOException, InterruptedException {
    long pending = 0;
    for (JsonNode server : JSON.readTree(ClusterTests.getOk(directory)).path("servers")) {
      pending += server.path("pending").asLong();
    }
    return pending;
  }

  /** Servers the driver's directory lists as {@code serving}. */
  static int serving(URI directory) throws IOException, InterruptedException {
    int serving = 0;
    for (JsonNode server : JSON.readTree(ClusterTests.getOk(directory)).path("servers")) {
      if ("serving".equals(server.path("state").asText())) {
        serving++;
      }
    }
    return serving;
  }

  /** Sum of the {@code sparkplug_requests_pending} samples of one server's {@code /-/metrics}. */
  static long metricsPending(URI metrics) throws IOException, InterruptedException {
    long pending = 0;
    for (String line : ClusterTests.getOk(metrics).split("\n")) {
      if (line.startsWith("sparkplug_requests_pending{")) {
        pending += Long.parseLong(line.substring(line.lastIndexOf(' ') + 1).trim());
      }
    }
    return pending;
  }

  /** Open file descriptors of a live process. */
  static long openFds(long pid) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return fds.count();
    }
  }

  /**
   * The heap of a JVM, after a full collection when {@code collectFirst} (so that what remains is
   * what the process holds on to, not garbage waiting for the next cycle).
   */
  static Heap heap(long pid, boolean collectFirst) throws IOException, InterruptedException {
    if (collectFirst) {
      jcmd(pid, "GC.run");
    }
    String info = jcmd(pid, "GC.heap_info");
    Matcher line = HEAP_LINE.matcher(info);
    long usedKb = 0;
    long totalKb = 0;
    boolean found = false;
    while (line.find()) {
      // G1 prints one heap line; the generational collectors one line per generation.
      totalKb += Long.parseLong(line.group(1));
      usedKb += Long.parseLong(line.group(2));
      found = true;
    }
    if (!found) {
      throw new IOException("no heap figures in jcmd " + pid + " GC.heap_info:\n" + info);
    }
    return new Heap(usedKb / 1024, totalKb / 1024);
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("soak-jcmd-", ".txt");
    try {
      Process process =
          new ProcessBuilder(jcmdPath(), Long.toString(pid), command)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      // Attaching to a busy JVM on a loaded machine takes a few seconds at worst.
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        throw new IOException("jcmd " + pid + " " + command + " did not finish in 60 s");
      }
      String text = Files.readString(out, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IOException("jcmd " + pid + " " + command + " failed: " + text);
      }
      return text;
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** The jcmd of the JDK running this test (the cluster runs on the same JDK). */
  private static String jcmdPath() {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    return Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd";
  }

  /** Percentile (0-100) of a list of values, nearest rank; 0 for none. */
  static long percentile(List<Long> values, double percent) {
    if (values.isEmpty()) {
      return 0;
    }
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
