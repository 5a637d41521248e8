package io.sparkplug.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
final class ResultsReportTest {
  @TempDir Path dir;

  private static String line(
      String system, String load, Double rate, long ok, double throughput, double p50, double p99) {
    return String.format(
        Locale.ROOT,
        "{\"mode\":\"%s\",\"rate\":%s,\"connections\":16,\"durationS\":10.0,\"sent\":%d,"
            + "\"ok\":%d,\"errors\":0,\"non2xx\":0,\"throughputRps\":%s,\"p50Ms\":%s,"
            + "\"p90Ms\":%s,\"p99Ms\":%s,\"p999Ms\":%s,\"maxMs\":%s,"
            + "\"system\":\"%s\",\"scenario\":\"echo\",\"load\":\"%s\"}",
        rate == null ? "closed" : "open",
        rate == null ? "null" : rate.toString(),
        ok,
        ok,
        throughput,
        p50,
        p50 * 2,
        p99,
        p99 * 3,
        p99 * 10,
        system,
        load);
  }

  private static final List<String> INPUT =
      List.of(
          line("bare-netty", "open 200/s", 200.0, 2000, 200.0, 0.274, 1.05),
          line("sparkplug real-time", "open 200/s", 200.0, 1740, 174.0, 3.456, 12.34),
          line("bare-netty", "open 400/s", 400.0, 4000, 400.0, 0.31, 2.2),
          "this is not json {",
          line("sparkplug real-time", "open 400/s", 400.0, 3000, 300.0, 15.21, 1523.7),
          "",
          "[1, 2, 3]",
          line("sparkplug real-time", "closed 64", null, 52000, 5200.0, 11.99, 40.0));

  private String[] args(Path input, Path output, Path chart) {
    return new String[] {
      "--input",
      input.toString(),
      "--output",
      output.toString(),
      "--chart",
      chart.toString(),
      "--machine",
      "test box, 4 cores",
      "--command",
      "scripts/run-benchmarks.sh --quick",
      "--date",
      "2025-01-02"
    };
  }

  private record Run(int exitCode, String stderr) {}

  private static Run execute(String[] args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = ResultsReport.execute(args, new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void writesTablesRatiosAndAChart() throws IOException {
    Path input = Files.write(dir.resolve("results.jsonl"), INPUT);
    Path notes = Files.writeString(dir.resolve("notes.md"), "Analysis *goes* here.\n");
    Path output = dir.resolve("RESULTS.md");
    Path chart = dir.resolve("latency-vs-rate.png");
    String[] withNotes = args(input, output, chart);
    withNotes = Arrays.copyOf(withNotes, withNotes.length + 2);
    withNotes[withNotes.length - 2] = "--notes";
    withNotes[withNotes.length - 1] = notes.toString();

    Run run = execute(withNotes);

    assertEquals(0, run.exitCode(), run.stderr());
    assertTrue(run.stderr().contains("results.jsonl:4:"), run.stderr());
    assertTrue(run.stderr().contains("results.jsonl:6:"), run.stderr());
    assertTrue(run.stderr().contains("results.jsonl:7:"), run.stderr());

    String md = Files.readString(output);
    assertTrue(md.startsWith("# Benchmark results\n"), md);
    assertTrue(md.contains("2025-01-02"), md);
    assertTrue(md.contains("test box, 4 cores"), md);
    assertTrue(md.contains("`scripts/run-benchmarks.sh --quick`"), md);
    assertTrue(md.contains("intended send time"), md);
    assertTrue(md.contains("Analysis *goes* here.\n"), md);
    assertTrue(md.contains("## echo\n"), md);
    assertTrue(md.contains(ResultsReport.TABLE_HEADER), md);
    assertTrue(md.indexOf("Analysis") < md.indexOf("## echo"), md);

    assertTrue(
        md.contains(
            "| bare-netty | open 200/s | 2000 | 2000 | 0 | 0 | 200 | 0.274 | 0.548 | 1.05 | 3.15"
                + " | 10.5 | — |"),
        md);
    assertTrue(
        md.contains(
            "| sparkplug real-time | open 200/s | 1740 | 1740 | 0 | 0 | 174 | 3.46 | 6.91 | 12.3"
                + " | 37.0 | 123 | 87% |"),
        md);
    assertTrue(
        md.contains(
            "| bare-netty | open 400/s | 4000 | 4000 | 0 | 0 | 400 | 0.310 | 0.620 | 2.20 | 6.60"
                + " | 22.0 | — |"),
        md);
    assertTrue(
        md.contains(
            "| sparkplug real-time | open 400/s | 3000 | 3000 | 0 | 0 | 300 | 15.2 | 30.4 | 1520"
                + " | 4570 | 15200 | 75% |"),
        md);
    assertTrue(
        md.contains(
            "| sparkplug real-time | closed 64 | 52000 | 52000 | 0 | 0 | 5200 | 12.0 | 24.0"
                + " | 40.0 | 120 | 400 | — |"),
        md);
    long tableRows = md.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| ---")).count();
    assertEquals(1 + 5, tableRows, md);
    assertTrue(md.contains("![Latency percentiles against request rate](latency-vs-rate.png)"), md);

    BufferedImage image = ImageIO.read(chart.toFile());
    assertNotNull(image, "not a readable image");
    assertEquals(ResultsReport.CHART_WIDTH, image.getWidth());
    assertEquals(ResultsReport.CHART_HEIGHT, image.getHeight());
    int nonWhite = 0;
    int saturated = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y) & 0xffffff;
        int r = rgb >> 16;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        if (rgb != 0xffffff) {
          nonWhite++;
        }
        if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 80) {
          saturated++;
        }
      }
    }
    assertTrue(nonWhite > 5_000, "chart looks blank: " + nonWhite + " non-white pixels");
    assertTrue(saturated > 200, "no coloured series drawn: " + saturated + " coloured pixels");
  }

  @Test
  void withoutOpenLoopRowsTheChartStillRenders() throws IOException {
    Path input =
        Files.write(
            dir.resolve("closed.jsonl"),
            List.of(line("bare-netty", "closed 64", null, 100, 5000.0, 1.0, 2.0)));
    Path output = dir.resolve("out/RESULTS.md");
    Path chart = dir.resolve("out/charts/chart.png");

    Run run = execute(args(input, output, chart));

    assertEquals(0, run.exitCode(), run.stderr());
    String md = Files.readString(output);
    assertTrue(md.contains("| bare-netty | closed 64 |"), md);
    assertTrue(md.contains("](charts/chart.png)"), md);
    BufferedImage image = ImageIO.read(chart.toFile());
    assertNotNull(image);
    assertEquals(ResultsReport.CHART_WIDTH, image.getWidth());
  }

  @Test
  void missingOptionIsAUsageError() {
    Run run = execute(new String[] {"--input", "x.jsonl"});
    assertEquals(2, run.exitCode());
    assertTrue(run.stderr().contains("--output"), run.stderr());
  }

  @Test
  void missingInputFileFailsWithoutWritingTheReport() {
    Path output = dir.resolve("RESULTS.md");
    Run run = execute(args(dir.resolve("absent.jsonl"), output, dir.resolve("c.png")));
    assertEquals(1, run.exitCode());
    assertFalse(Files.exists(output));
  }

  @Test
  void latenciesHaveThreeSignificantDigits() {
    assertEquals("0.274", ResultsReport.latency(0.27412));
    assertEquals("12.3", ResultsReport.latency(12.34));
    assertEquals("1520", ResultsReport.latency(1523.7));
    assertEquals("10.0", ResultsReport.latency(9.996));
    assertEquals("0.0500", ResultsReport.latency(0.05));
    assertEquals("—", ResultsReport.latency(Double.NaN));
  }
}
