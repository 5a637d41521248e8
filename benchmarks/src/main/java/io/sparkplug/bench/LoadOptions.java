package io.sparkplug.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Validated settings of one {@link LoadGenerator} run. */
record LoadOptions(
    Mode mode,
    String host,
    int port,
    String pathAndQuery,
    String method,
    byte[] body,
    List<Map.Entry<String, String>> headers,
    double rate,
    double durationSeconds,
    double warmupSeconds,
    int connections,
    int maxConnections,
    double drainTimeoutSeconds,
    long timeoutMillis,
    boolean perSecond) {

  enum Mode {
    /** Requests leave at fixed intended times regardless of how fast replies come back. */
    OPEN,
    /** Each connection sends its next request as soon as the previous reply arrives. */
    CLOSED
  }

  static final String USAGE =
      """
      usage: LoadGenerator --url http://127.0.0.1:PORT/path [--rate R] [--duration S]
             [--connections C] [--max-connections M] [--method GET|POST]
             [--body STRING | --body-file FILE] [--header K:V]... [--warmup S]
             [--drain-timeout S] [--timeout-ms MS] [--per-second true]
        with --rate: open loop at R requests/s; without it: closed loop.
        --per-second true adds maxMsBySecond: the slowest success sent in each second.""";

  private static final Set<String> KNOWN =
      Set.of(
          "--url",
          "--rate",
          "--duration",
          "--connections",
          "--max-connections",
          "--method",
          "--body",
          "--body-file",
          "--header",
          "--warmup",
          "--drain-timeout",
          "--timeout-ms",
          "--per-second");

  private static final double MAX_SECONDS = 24 * 3600;
  private static final int MAX_CONNECTIONS = 10_000;

  static LoadOptions parse(String[] args) {
    Arguments a = Arguments.parse(args, KNOWN);
    URI url = parseUrl(a.string("--url"));
    String method = a.string("--method").orElse("GET").toUpperCase(Locale.ROOT);
    if (!method.equals("GET") && !method.equals("POST")) {
      throw new InvalidArgumentException("--method", "must be GET or POST, got '" + method + "'");
    }
    Mode mode = a.has("--rate") ? Mode.OPEN : Mode.CLOSED;
    double rate = a.decimal("--rate", 0, 0, true, 1_000_000);
    int connections = a.integer("--connections", 16, 1, MAX_CONNECTIONS);
    int maxConnections =
        a.integer("--max-connections", Math.max(256, connections), 1, MAX_CONNECTIONS);
    if (maxConnections < connections) {
      throw new InvalidArgumentException("--max-connections", "must be >= --connections");
    }
    int port = url.getPort() == -1 ? 80 : url.getPort();
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    String query = url.getRawQuery() == null ? "" : "?" + url.getRawQuery();
    return new LoadOptions(
        mode,
        url.getHost(),
        port,
        path + query,
        method,
        readBody(a),
        parseHeaders(a.all("--header")),
        rate,
        a.decimal("--duration", 10, 0, true, MAX_SECONDS),
        a.decimal("--warmup", 0, 0, false, MAX_SECONDS),
        connections,
        maxConnections,
        a.decimal("--drain-timeout", 10, 0, false, MAX_SECONDS),
        a.integer("--timeout-ms", 30_000, 1, Integer.MAX_VALUE),
        perSecond(a.string("--per-second").orElse("false")));
  }

  private static boolean perSecond(String raw) {
    return switch (raw.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new InvalidArgumentException("--per-second", "must be true or false");
    };
  }

  private static URI parseUrl(Optional<String> raw) {
    if (raw.isEmpty()) {
      throw new InvalidArgumentException("--url", "required");
    }
    URI url;
    try {
      url = new URI(raw.get());
    } catch (URISyntaxException e) {
      throw new InvalidArgumentException("--url", "malformed: " + e.getMessage());
    }
    if (!"http".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
      throw new InvalidArgumentException("--url", "must look like http://HOST:PORT/path");
    }
    return url;
  }

  private static byte[] readBody(Arguments a) {
    if (a.has("--body") && a.has("--body-file")) {
      throw new InvalidArgumentException("--body-file", "cannot be combined with --body");
    }
    Optional<String> file = a.string("--body-file");
    if (file.isPresent()) {
      try {
        return Files.readAllBytes(Path.of(file.get()));
      } catch (IOException e) {
        throw new InvalidArgumentException("--body-file", "cannot read " + file.get() + ": " + e);
      }
    }
    return a.string("--body").orElse("").getBytes(StandardCharsets.UTF_8);
  }

  private static List<Map.Entry<String, String>> parseHeaders(List<String> raw) {
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (String header : raw) {
      int colon = header.indexOf(':');
      String name = colon < 0 ? "" : header.substring(0, colon).trim();
      if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ')) {
        throw new InvalidArgumentException("--header", "expected NAME:VALUE, got '" + header + "'");
      }
      // The generator frames every request itself; a conflicting length would corrupt the stream.
      if (name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding")) {
        throw new InvalidArgumentException("--header", name + " is set by the generator");
      }
      headers.add(Map.entry(name, header.substring(colon + 1).trim()));
    }
    return List.copyOf(headers);
  }
}
