package io.sparkplug.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** What the cluster test classes share: the jars they submit, an HTTP client, the clean-up. */
final class ClusterTests {
  /** HTTP/1.1, short connects; follows redirects (WebHDFS reads redirect to the DataNode). */
  static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NORMAL)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  private static final ObjectMapper JSON = new ObjectMapper();

  private ClusterTests() {}

  /** A file the build made, named by a system property that failsafe sets. */
  static Path requiredFile(String property) {
    String value = System.getProperty(property);
    if (value == null || !Files.isRegularFile(Path.of(value))) {
      throw new IllegalStateException(
          property
              + " names no file ("
              + value
              + "); build with: mvn -pl serving-examples -am verify");
    }
    return Path.of(value);
  }

  static HttpResponse<String> get(URI uri) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A GET that must answer 200; returns the body (for status pages and directories). */
  static String getOk(URI uri) throws IOException, InterruptedException {
    HttpResponse<String> response =
        CLIENT.send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET " + uri + " answered " + response.statusCode());
    }
    return response.body();
  }

  /** A WebHDFS call ({@code op}) on {@code path} of the cluster's HDFS, as user root. */
  static URI webHdfs(LocalCluster cluster, String path, String op) {
    return cluster.hdfsWebUri().resolve("/webhdfs/v1" + path + "?op=" + op + "&user.name=root");
  }

  /** The names in an HDFS folder; none when the folder does not exist (yet). */
  static List<String> hdfsListing(LocalCluster cluster, String path) throws Exception {
    HttpResponse<String> response = get(webHdfs(cluster, path, "LISTSTATUS"));
    if (response.statusCode() == 404) {
      return List.of();
    }
    assertEquals(200, response.statusCode(), response.body());
    List<String> names = new ArrayList<>();
    for (JsonNode status : JSON.readTree(response.body()).path("FileStatuses").path("FileStatus")) {
      names.add(status.path("pathSuffix").asText());
    }
    return names;
  }

  /**
   * Readiness, the one wait before a cluster test's first real request: the driver's log shows a
   * finished batch of {@code service} (ServingApp prints "progress NAME BATCH"), so executors and
   * readers are warm, and every server named answers {@code GET /-/health} with 200. The first
   * request after it is asserted as is, never retried. Fails at once if the driver exits.
   */
  static void awaitReady(SparkDriver driver, String service, Duration timeout, URI... servers)
      throws Exception {
    awaitReady(driver, service, timeout, CLIENT, servers);
  }

  /** As above, asking the servers' health with {@code client} (an HTTPS client, say). */
  static void awaitReady(
      SparkDriver driver, String service, Duration timeout, HttpClient client, URI... servers)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!driver.logContains("progress " + service + " ")) {
      if (!driver.isAlive()) {
        throw new IllegalStateException(
            driver.name()
                + " exited before a first batch of "
                + service
                + ":\n"
                + driver.logTail(60));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "no batch of " + service + " after " + timeout + ":\n" + driver.logTail(60));
      }
      Thread.sleep(100);
    }
    for (URI server : servers) {
      awaitHealthy(client, server, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
    }
  }

  /** Waits until {@code server}/-/health answers 200 (connection errors count as not yet). */
  static void awaitHealthy(URI server, Duration timeout) throws Exception {
    awaitHealthy(CLIENT, server, timeout);
  }

  /** As above, asking with {@code client}. */
  static void awaitHealthy(HttpClient client, URI server, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (true) {
      try {
        // A request's timeout ends when the headers arrive: bound the body's wait too.
        HttpResponse<String> health =
            client
                .sendAsync(
                    HttpRequest.newBuilder(server.resolve("/-/health"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .get(15, java.util.concurrent.TimeUnit.SECONDS);
        if (health.statusCode() == 200) {
          return;
        }
        last = health.statusCode() + " " + health.body();
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        last = e.getCause() != null ? e.getCause().toString() : e.toString();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            server + "/-/health not 200 after " + timeout + ": " + last);
      }
      Thread.sleep(100);
    }
  }

  /** A response read off a raw connection. */
  record RawResponse(int status, String body) {}

  /**
   * POSTs every body on one connection, pipelined (all written before any response is read), and
   * reads the responses in order; then fails if any further byte arrives within a second: on the
   * wire, exactly one response per request. Every read has SO_TIMEOUT {@code timeout}.
   */
  static List<RawResponse> pipelined(String host, int port, List<String> bodies, Duration timeout)
      throws IOException {
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress(host, port), 5_000);
      socket.setSoTimeout((int) timeout.toMillis());
      StringBuilder requests = new StringBuilder();
      for (String body : bodies) {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        requests
            .append("POST / HTTP/1.1\r\nHost: ")
            .append(host)
            .append("\r\nContent-Length: ")
            .append(bytes.length)
            .append("\r\n\r\n")
            .append(body);
      }
      java.io.OutputStream out = socket.getOutputStream();
      out.write(requests.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      out.flush();
      java.io.InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
      List<RawResponse> responses = new ArrayList<>();
      for (int i = 0; i < bodies.size(); i++) {
        String statusLine = line(in);
        if (statusLine == null) {
          throw new IOException("closed after " + i + " of " + bodies.size() + " responses");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        int length = 0;
        String header;
        while ((header = line(in)) != null && !header.isEmpty()) {
          int colon = header.indexOf(':');
          if (header.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
            length = Integer.parseInt(header.substring(colon + 1).trim());
          }
        }
        byte[] body = in.readNBytes(length);
        responses.add(
            new RawResponse(status, new String(body, java.nio.charset.StandardCharsets.UTF_8)));
      }
      socket.setSoTimeout(1_000);
      try {
        int extra = in.read();
        if (extra != -1) {
          throw new AssertionError(
              "a byte after the "
                  + bodies.size()
                  + " responses: a duplicate response ('"
                  + (char) extra
                  + "')");
        }
      } catch (java.net.SocketTimeoutException silence) {
        // as wanted: nothing more
      }
      return responses;
    }
  }

  private static String line(java.io.InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        int len = sb.length();
        return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
      }
      sb.append((char) c);
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  /** One sample of a Prometheus scrape, by its whole series (name and labels); null if absent. */
  static String metricSample(String scrape, String series) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(series + " ")) {
        return line.substring(series.length() + 1);
      }
    }
    return null;
  }

  static CompletableFuture<HttpResponse<String>> postAsync(URI uri, String body, Duration timeout) {
    return CLIENT.sendAsync(
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Stops every process the cluster started and fails if one is still alive 15 s later. */
  static void closeAndAssertNothingLeft(LocalCluster cluster) {
    if (cluster == null) {
      return;
    }
    cluster.close();
    List<String> alive =
        cluster.leftAlive(Duration.ofSeconds(15)).stream()
            .map(process -> process.pid() + " " + process.info().commandLine().orElse("?"))
            .toList();
    assertEquals(List.of(), alive, "processes left alive after close()");
  }

  static void report(String test, String what, long since) {
    System.out.printf("%s: %s in %.1f s%n", test, what, (System.nanoTime() - since) / 1e9);
  }
}
