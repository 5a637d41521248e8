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
