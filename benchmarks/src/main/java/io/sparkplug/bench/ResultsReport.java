package io.sparkplug.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleUnaryOperator;
import javax.imageio.ImageIO;

/**
 * Turns the JSON lines of several load runs into {@code RESULTS.md}: one table per scenario, each
 * row compared with the bare Netty ceiling, and a PNG chart of latency against request rate.
 *
 * <p>Each input line is a {@link LoadResult#toJson()} object plus three string fields: {@code
 * system}, {@code scenario} and {@code load} (a short label such as "open 200/s"). Lines that are
 * blank or not JSON objects are reported on the warning stream and skipped.
 */
public final class ResultsReport {
  static {
    // Before any AWT class looks for a display: the chart is drawn off screen.
    System.setProperty("java.awt.headless", "true");
  }

  static final String USAGE =
      "usage: ResultsReport --input results.jsonl --output RESULTS.md --chart latency-vs-rate.png"
          + " --machine TEXT --command TEXT --date TEXT [--notes FILE]";

  /** The system whose rows are the throughput ceiling the other systems are compared with. */
  static final String CEILING_SYSTEM = "bare-netty";

  static final int CHART_WIDTH = 1000;
  static final int CHART_HEIGHT = 600;
  static final String CHART_TITLE = "Latency against request rate (open loop)";

  static final String TABLE_HEADER =
      "| system | load | sent | ok | errors | non-2xx | throughput (req/s) | p50 ms | p90 ms"
          + " | p99 ms | p99.9 ms | max ms | throughput vs ceiling |";

  private static final String NONE = "—";
  private static final MathContext THREE_DIGITS = new MathContext(3, RoundingMode.HALF_UP);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private ResultsReport() {}

  /** Where to read and write, and what the header says about the run. */
  public record Options(
      Path input,
      Path output,
      Path chart,
      String machine,
      String command,
      String date,
      Path notes) {

    private static final Set<String> KNOWN =
        Set.of("--input", "--output", "--chart", "--machine", "--command", "--date", "--notes");

    /**
     * Parses the command line.
     *
     * @throws InvalidArgumentException naming the first unknown, missing or bad option
     */
    public static Options parse(String[] args) {
      Arguments arguments = Arguments.parse(args, KNOWN);
      return new Options(
          path(arguments, "--input"),
          path(arguments, "--output"),
          path(arguments, "--chart"),
          required(arguments, "--machine"),
          required(arguments, "--command"),
          required(arguments, "--date"),
          arguments.has("--notes") ? path(arguments, "--notes") : null);
    }

    private static String required(Arguments arguments, String name) {
      return arguments
          .string(name)
          .orElseThrow(() -> new InvalidArgumentException(name, "required"));
    }

    private static Path path(Arguments arguments, String name) {
      String raw = required(arguments, name);
      if (raw.isBlank()) {
        throw new InvalidArgumentException(name, "empty path");
      }
      try {
        return Path.of(raw);
      } catch (InvalidPathException e) {
        throw new InvalidArgumentException(name, "not a path: " + e.getMessage());
      }
    }
  }

  /**
   * One input line. Numbers missing from the line are {@code NaN} and print as a dash; {@code rate}
   * is null for closed-loop runs.
   */
  record Row(
      String system,
      String scenario,
      String load,
      Double rate,
      double sent,
      double ok,
      double errors,
      double non2xx,
      double throughputRps,
      double p50Ms,
      double p90Ms,
      double p99Ms,
      double p999Ms,
      double maxMs) {

    boolean openLoop() {
      return rate != null;
    }

    boolean isCeiling() {
      return CEILING_SYSTEM.equals(system);
    }
  }

  public static void main(String[] args) {
    System.exit(execute(args, System.err));
  }

  /**
   * Runs the report; returns 0 on success, 1 when a file cannot be read or written, 2 for usage.
   */
  static int execute(String[] args, PrintStream err) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (InvalidArgumentException e) {
      err.println("invalid argument " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    try {
      int rows = write(options, err);
      err.printf(
          Locale.ROOT, "wrote %s (%d rows) and %s%n", options.output(), rows, options.chart());
      return 0;
    } catch (IOException | UncheckedIOException e) {
      err.println("cannot write the report: " + e);
      return 1;
    }
  }

  /**
   * Reads {@code options.input()}, writes the chart and then the markdown (both overwritten).
   * Skipped lines are reported on {@code warnings}.
   *
   * @return the number of result rows in the report
   */
  public static int write(Options options, PrintStream warnings) throws IOException {
    List<Row> rows = readRows(options.input(), warnings);
    if (rows.isEmpty()) {
      warnings.println(options.input() + ": no result lines");
    }
    String notes = options.notes() == null ? null : Files.readString(options.notes());
    writeChart(rows, options.chart());
    String markdown = markdown(rows, options, notes, chartLink(options.output(), options.chart()));
    createParent(options.output());
    Files.writeString(options.output(), markdown, StandardCharsets.UTF_8);
    return rows.size();
  }

  // ---------------------------------------------------------------------------------------------
  // Input

  static List<Row> readRows(Path input, PrintStream warnings) throws IOException {
    List<Row> rows = new ArrayList<>();
    // InputStreamReader replaces undecodable bytes, so a damaged file still yields its good lines.
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(Files.newInputStream(input), StandardCharsets.UTF_8))) {
      String line;
      int number = 0;
      while ((line = reader.readLine()) != null) {
        number++;
        String where = input + ":" + number + ": skipped, ";
        if (line.isBlank()) {
          warnings.println(where + "blank line");
          continue;
        }
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
          warnings.println(where + "not JSON: " + abbreviate(line));
          continue;
        }
        if (node == null || !node.isObject()) {
          warnings.println(where + "not a JSON object: " + abbreviate(line));
          continue;
        }
        String missing = firstMissing(node, "system", "scenario", "load");
        if (missing != null) {
          warnings.println(where + "no \"" + missing + "\" field: " + abbreviate(line));
          continue;
        }
        double rate = number(node, "rate");
        rows.add(
            new Row(
                node.get("system").asText().strip(),
                node.get("scenario").asText().strip(),
                node.get("load").asText().strip(),
                Double.isNaN(rate) ? null : rate,
                number(node, "sent"),
                number(node, "ok"),
                number(node, "errors"),
                number(node, "non2xx"),
                number(node, "throughputRps"),
                number(node, "p50Ms"),
                number(node, "p90Ms"),
                number(node, "p99Ms"),
                number(node, "p999Ms"),
                number(node, "maxMs")));
      }
    }
    return rows;
  }

  private static String firstMissing(JsonNode node, String... fields) {
    for (String field : fields) {
      JsonNode value = node.get(field);
      if (value == null || !value.isValueNode() || value.isNull() || value.asText().isBlank()) {
        return field;
      }
    }
    return null;
  }

  /** The field as a finite number, or NaN when it is absent, null or not a number. */
  private static double number(JsonNode node, String field) {
    JsonNode value = node.get(field);
    double result = Double.NaN;
    if (value != null && value.isNumber()) {
      result = value.doubleValue();
    } else if (value != null && value.isTextual()) {
      try {
        result = Double.parseDouble(value.asText().trim());
      } catch (NumberFormatException e) {
        result = Double.NaN;
      }
    }
    return Double.isFinite(result) ? result : Double.NaN;
  }

  private static String abbreviate(String line) {
    String flat = line.strip();
    return flat.length() <= 80 ? flat : flat.substring(0, 77) + "...";
  }

  // ---------------------------------------------------------------------------------------------
  // Markdown

  static String markdown(List<Row> rows, Options options, String notes, String chartLink) {
    StringBuilder md = new StringBuilder();
    md.append("# Benchmark results\n\n");
    md.append("- Date: ").append(oneLine(options.date())).append('\n');
    md.append("- Machine: ").append(oneLine(options.machine())).append('\n');
    md.append("- Command: ").append(codeSpan(oneLine(options.command()))).append('\n');
    md.append(
        "- Latencies are measured from each request's intended send time (open loop) with"
            + " HdrHistogram, on loopback, with the load generator on the same machine.\n\n");
    if (notes != null && !notes.isEmpty()) {
      md.append(notes);
      md.append(notes.endsWith("\n") ? "\n" : "\n\n");
    }
    if (rows.isEmpty()) {
      md.append("No results.\n\n");
    }
    for (Map.Entry<String, List<Row>> scenario : byScenario(rows).entrySet()) {
      md.append("## ").append(oneLine(scenario.getKey())).append("\n\n");
      md.append(TABLE_HEADER).append('\n');
      md.append("| --- | --- |").append(" ---: |".repeat(11)).append('\n');
      for (Row row : scenario.getValue()) {
        md.append("| ")
            .append(cell(row.system()))
            .append(" | ")
            .append(cell(row.load()))
            .append(" | ")
            .append(count(row.sent()))
            .append(" | ")
            .append(count(row.ok()))
            .append(" | ")
            .append(count(row.errors()))
            .append(" | ")
            .append(count(row.non2xx()))
            .append(" | ")
            .append(count(row.throughputRps()))
            .append(" | ")
            .append(latency(row.p50Ms()))
            .append(" | ")
            .append(latency(row.p90Ms()))
            .append(" | ")
            .append(latency(row.p99Ms()))
            .append(" | ")
            .append(latency(row.p999Ms()))
            .append(" | ")
            .append(latency(row.maxMs()))
            .append(" | ")
            .append(ceilingRatio(row, scenario.getValue()))
            .append(" |\n");
      }
      md.append('\n');
    }
    md.append("![Latency percentiles against request rate](").append(chartLink).append(")\n");
    return md.toString();
  }

  /** Rows grouped by scenario, scenarios in first-seen order, rows in input order. */
  static Map<String, List<Row>> byScenario(List<Row> rows) {
    Map<String, List<Row>> groups = new LinkedHashMap<>();
    for (Row row : rows) {
      groups.computeIfAbsent(row.scenario(), s -> new ArrayList<>()).add(row);
    }
    return groups;
  }

  /**
   * The row's throughput as a percentage of the first ceiling row with the same scenario and load
   * label; a dash for the ceiling rows themselves and when there is nothing to compare with.
   */
  static String ceilingRatio(Row row, List<Row> sameScenario) {
    if (row.isCeiling() || Double.isNaN(row.throughputRps())) {
      return NONE;
    }
    for (Row candidate : sameScenario) {
      if (candidate.isCeiling()
          && candidate.scenario().equals(row.scenario())
          && candidate.load().equals(row.load())) {
        double ceiling = candidate.throughputRps();
        if (!(ceiling > 0)) {
          return NONE;
        }
        return Math.round(100 * row.throughputRps() / ceiling) + "%";
      }
    }
    return NONE;
  }

  /** Three significant digits, trailing zeros kept: 0.274, 12.3, 12.0, 1520. */
  static String latency(double ms) {
    if (Double.isNaN(ms)) {
      return NONE;
    }
    if (ms == 0) {
      return "0";
    }
    BigDecimal rounded = new BigDecimal(ms).round(THREE_DIGITS);
    int exponent = rounded.precision() - rounded.scale() - 1;
    return rounded.setScale(Math.max(0, 2 - exponent), RoundingMode.HALF_UP).toPlainString();
  }

  private static String count(double value) {
    return Double.isNaN(value) ? NONE : Long.toString(Math.round(value));
  }

  private static String cell(String text) {
    return oneLine(text).replace("|", "\\|");
  }

  private static String oneLine(String text) {
    return text.replaceAll("[\\r\\n]+", " ").strip();
  }

  /** Markdown inline code, fenced with more backticks than the text itself contains in a row. */
  private static String codeSpan(String text) {
    int longest = 0;
    int run = 0;
    for (char c : text.toCharArray()) {
      run = c == '`' ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    String fence = "`".repeat(longest + 1);
    String pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
    return fence + pad + text + pad + fence;
  }

  /** The chart's path relative to the markdown file's folder, with forward slashes. */
  static String chartLink(Path markdown, Path chart) {
    Path folder = markdown.toAbsolutePath().normalize().getParent();
    Path target = chart.toAbsolutePath().normalize();
    String link;
    try {
      link = folder == null ? target.toString() : folder.relativize(target).toString();
    } catch (IllegalArgumentException e) {
      link = target.toString(); // different roots, for example drives on Windows
    }
    return link.replace('\\', '/').replace(" ", "%20");
  }

  private static void createParent(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Chart

  static void writeChart(List<Row> rows, Path file) throws IOException {
    BufferedImage image = renderChart(rows);
    createParent(file);
    if (!ImageIO.write(image, "png", file.toFile())) {
      throw new IOException("no PNG writer available");
    }
  }

  /**
   * Open-loop rows only: one panel per scenario (at most three a row), request rate on a linear x
   * axis, latency on a shared logarithmic y axis; one colour per system, p50 solid and p99 dashed.
   */
  static BufferedImage renderChart(List<Row> rows) {
    BufferedImage image = new BufferedImage(CHART_WIDTH, CHART_HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      new Chart(g, rows).paint();
    } finally {
      g.dispose();
    }
    return image;
  }

  private static final class Chart {
    private static final Color[] PALETTE = {
      new Color(0x1f77b4),
      new Color(0xd62728),
      new Color(0x2ca02c),
      new Color(0xff7f0e),
      new Color(0x9467bd),
      new Color(0x8c564b),
      new Color(0xe377c2),
      new Color(0x17becf),
      new Color(0x7f7f7f),
      new Color(0xbcbd22)
    };
    private static final Color AXIS = new Color(0x333333);
    private static final Color GRID = new Color(0xdddddd);
    private static final Color MINOR_GRID = new Color(0xf0f0f0);
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 18);
    private static final Font PANEL_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Stroke SOLID =
        new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    private static final Stroke DASHED =
        new BasicStroke(
            2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {7f, 5f}, 0f);
    private static final Stroke THIN = new BasicStroke(1f);
    private static final double MARKER_RADIUS = 4;
    private static final int MAX_COLUMNS = 3;

    private final Graphics2D g;
    private final Map<String, List<Row>> panels;
    private final Map<String, Color> colours = new LinkedHashMap<>();
    private final int lowDecade;
    private final int highDecade;

    Chart(Graphics2D g, List<Row> rows) {
      this.g = g;
      List<Row> open = rows.stream().filter(Row::openLoop).toList();
      this.panels = byScenario(open);
      for (Row row : open) {
        colours.computeIfAbsent(row.system(), s -> PALETTE[colours.size() % PALETTE.length]);
      }
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (Row row : open) {
        if (plotted(row)) {
          for (double v : new double[] {row.p50Ms(), row.p99Ms()}) {
            if (v > 0) {
              min = Math.min(min, v);
              max = Math.max(max, v);
            }
          }
        }
      }
      if (min > max) {
        lowDecade = -1;
        highDecade = 2;
      } else {
        int low = (int) Math.floor(Math.log10(min) + 1e-9);
        int high = (int) Math.ceil(Math.log10(max) - 1e-9);
        lowDecade = low;
        highDecade = Math.max(high, low + 1);
      }
    }

    private static boolean plotted(Row row) {
      return row.openLoop() && row.ok() != 0;
    }

    void paint() {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, CHART_WIDTH, CHART_HEIGHT);

      g.setFont(TITLE_FONT);
      g.setColor(Color.BLACK);
      centred(CHART_TITLE, CHART_WIDTH / 2.0, 30);

      int legendTop = CHART_HEIGHT - legendHeight() - 8;
      int areaTop = 45;
      int count = Math.max(1, panels.size());
      int columns = Math.min(count, MAX_COLUMNS);
      int gridRows = (count + columns - 1) / columns;
      double cellWidth = (CHART_WIDTH - 10.0) / columns;
      double cellHeight = (legendTop - areaTop) / (double) gridRows;
      if (panels.isEmpty()) {
        panel(null, List.of(), 5, areaTop, cellWidth, cellHeight);
      } else {
        int index = 0;
        for (Map.Entry<String, List<Row>> scenario : panels.entrySet()) {
          double x = 5 + (index % columns) * cellWidth;
          double y = areaTop + (index / columns) * cellHeight;
          String title = panels.size() > 1 ? scenario.getKey() : "scenario: " + scenario.getKey();
          panel(title, scenario.getValue(), x, y, cellWidth, cellHeight);
          index++;
        }
      }
      legend(legendTop);
    }

    /** One scenario's plot inside the given cell. */
    private void panel(
        String title, List<Row> rows, double cellX, double cellY, double cellW, double cellH) {
      double left = cellX + 68;
      double right = cellX + cellW - 22;
      double top = cellY + 28;
      double bottom = cellY + cellH - 44;

      if (title != null) {
        g.setFont(PANEL_FONT);
        g.setColor(Color.BLACK);
        centred(title, (left + right) / 2, cellY + 18);
      }

      double maxRate = 0;
      for (Row row : rows) {
        maxRate = Math.max(maxRate, row.rate());
      }
      double step = niceStep(maxRate > 0 ? maxRate / 5 : 200);
      double xMax = maxRate > 0 ? Math.ceil(maxRate / step - 1e-9) * step : 5 * step;
      if (xMax <= 0) {
        xMax = step;
      }
      final double xLimit = xMax;
      DoubleUnaryOperator px = v -> left + (right - left) * v / xLimit;
      DoubleUnaryOperator py =
          v ->
              bottom
                  - (bottom - top)
                      * (Math.log10(v) - lowDecade)
                      / (double) (highDecade - lowDecade);

      // Grid and y ticks.
      g.setFont(TICK_FONT);
      FontMetrics tickMetrics = g.getFontMetrics();
      g.setStroke(THIN);
      for (int decade = lowDecade; decade <= highDecade; decade++) {
        double base = Math.pow(10, decade);
        if (decade < highDecade) {
          g.setColor(MINOR_GRID);
          for (int m = 2; m <= 9; m++) {
            double y = py.applyAsDouble(base * m);
            g.draw(new Line2D.Double(left, y, right, y));
          }
        }
        double y = py.applyAsDouble(base);
        g.setColor(GRID);
        g.draw(new Line2D.Double(left, y, right, y));
        g.setColor(AXIS);
        g.draw(new Line2D.Double(left - 5, y, left, y));
        String label = decadeLabel(decade);
        g.drawString(
            label,
            (float) (left - 8 - tickMetrics.stringWidth(label)),
            (float) (y + tickMetrics.getAscent() / 2.0 - 1));
      }
      // x ticks.
      for (int i = 0; i * step <= xMax + step / 1000; i++) {
        double v = i * step;
        double x = px.applyAsDouble(v);
        g.setColor(GRID);
        g.draw(new Line2D.Double(x, top, x, bottom));
        g.setColor(AXIS);
        g.draw(new Line2D.Double(x, bottom, x, bottom + 5));
        centred(rateLabel(v, step), x, bottom + 7 + tickMetrics.getAscent());
      }
      // Axes.
      g.setColor(AXIS);
      g.draw(new Line2D.Double(left, top, left, bottom));
      g.draw(new Line2D.Double(left, bottom, right, bottom));

      g.setFont(LABEL_FONT);
      centred("request rate (req/s)", (left + right) / 2, bottom + 36);
      AffineTransform saved = g.getTransform();
      g.translate(cellX + 14, (top + bottom) / 2);
      g.rotate(-Math.PI / 2);
      centred("latency (ms, log scale)", 0, 0);
      g.setTransform(saved);

      if (title == null || rows.stream().noneMatch(Chart::plotted)) {
        g.setFont(PANEL_FONT);
        g.setColor(Color.GRAY);
        String message = title == null ? "no open-loop data" : "no successful requests";
        centred(message, (left + right) / 2, (top + bottom) / 2);
        return;
      }

      // Series: per system, points sorted by rate; p99 first so p50 draws on top.
      Set<String> systems = new LinkedHashSet<>();
      rows.forEach(r -> systems.add(r.system()));
      for (boolean p99 : new boolean[] {true, false}) {
        for (String system : systems) {
          List<double[]> points = new ArrayList<>();
          rows.stream()
              .filter(r -> r.system().equals(system) && plotted(r))
              .sorted(Comparator.comparingDouble(Row::rate))
              .forEach(
                  r -> {
                    double v = p99 ? r.p99Ms() : r.p50Ms();
                    if (v > 0) {
                      points.add(new double[] {px.applyAsDouble(r.rate()), py.applyAsDouble(v)});
                    }
                  });
          series(points, colours.get(system), p99);
        }
      }
    }

    private void series(List<double[]> points, Color colour, boolean p99) {
      g.setColor(colour);
      if (points.size() > 1) {
        Path2D.Double line = new Path2D.Double();
        line.moveTo(points.get(0)[0], points.get(0)[1]);
        for (double[] p : points.subList(1, points.size())) {
          line.lineTo(p[0], p[1]);
        }
        g.setStroke(p99 ? DASHED : SOLID);
        g.draw(line);
      }
      for (double[] p : points) {
        marker(p[0], p[1], colour, p99);
      }
    }

    /** p50: a filled dot; p99: a hollow ring. */
    private void marker(double x, double y, Color colour, boolean hollow) {
      Ellipse2D.Double dot =
          new Ellipse2D.Double(
              x - MARKER_RADIUS, y - MARKER_RADIUS, 2 * MARKER_RADIUS, 2 * MARKER_RADIUS);
      g.setStroke(new BasicStroke(1.8f));
      g.setColor(hollow ? Color.WHITE : colour);
      g.fill(dot);
      g.setColor(colour);
      g.draw(dot);
    }

    // Legend: one entry per system (its colour), then the two line styles.

    private record Entry(String label, Color colour, Boolean p99) {}

    private List<Entry> entries() {
      List<Entry> entries = new ArrayList<>();
      colours.forEach((system, colour) -> entries.add(new Entry(system, colour, null)));
      entries.add(new Entry("p50 (solid)", Color.DARK_GRAY, false));
      entries.add(new Entry("p99 (dashed)", Color.DARK_GRAY, true));
      return entries;
    }

    private static final int SWATCH = 30;
    private static final int ENTRY_GAP = 24;
    private static final int LEGEND_LINE = 22;

    private List<List<Entry>> legendLines() {
      g.setFont(LABEL_FONT);
      FontMetrics metrics = g.getFontMetrics();
      List<List<Entry>> lines = new ArrayList<>();
      List<Entry> current = new ArrayList<>();
      int width = 0;
      for (Entry entry : entries()) {
        int w = entryWidth(entry, metrics);
        if (!current.isEmpty() && width + ENTRY_GAP + w > CHART_WIDTH - 40) {
          lines.add(current);
          current = new ArrayList<>();
          width = 0;
        }
        width += (current.isEmpty() ? 0 : ENTRY_GAP) + w;
        current.add(entry);
      }
      lines.add(current);
      return lines;
    }

    private static int entryWidth(Entry entry, FontMetrics metrics) {
      return SWATCH + 6 + metrics.stringWidth(entry.label());
    }

    private int legendHeight() {
      return legendLines().size() * LEGEND_LINE + 6;
    }

    private void legend(int top) {
      g.setFont(LABEL_FONT);
      FontMetrics metrics = g.getFontMetrics();
      int y = top + LEGEND_LINE / 2;
      for (List<Entry> line : legendLines()) {
        int total = -ENTRY_GAP;
        for (Entry entry : line) {
          total += ENTRY_GAP + entryWidth(entry, metrics);
        }
        double x = (CHART_WIDTH - total) / 2.0;
        for (Entry entry : line) {
          g.setColor(entry.colour());
          g.setStroke(Boolean.TRUE.equals(entry.p99()) ? DASHED : SOLID);
          g.draw(new Line2D.Double(x, y, x + SWATCH, y));
          marker(x + SWATCH / 2.0, y, entry.colour(), Boolean.TRUE.equals(entry.p99()));
          g.setColor(Color.BLACK);
          String label = entry.label();
          g.drawString(
              label, (float) (x + SWATCH + 6), (float) (y + metrics.getAscent() / 2.0 - 1));
          x += SWATCH + 6 + metrics.stringWidth(label) + ENTRY_GAP;
        }
        y += LEGEND_LINE;
      }
    }

    private void centred(String text, double x, double baseline) {
      FontMetrics metrics = g.getFontMetrics();
      g.drawString(text, (float) (x - metrics.stringWidth(text) / 2.0), (float) baseline);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code rough}. */
    static double niceStep(double rough) {
      double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
      double fraction = rough / magnitude;
      double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
      return nice * magnitude;
    }

    private static String decadeLabel(int decade) {
      return BigDecimal.ONE.scaleByPowerOfTen(decade).toPlainString();
    }

    private static String rateLabel(double value, double step) {
      if (step >= 1) {
        return Long.toString(Math.round(value));
      }
      int decimals = (int) Math.ceil(-Math.log10(step) - 1e-9);
      return BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_UP).toPlainString();
    }
  }
}
