package @PACKAGE@;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkplug.http.SparkPlugHttp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The service on an embedded Spark, called through a real HTTP client. */
@Timeout(300)
class @CLASS@Test {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private static SparkSession spark;
  private static StreamingQuery query;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    // The connector's serving settings, as main() uses them.
    spark =
        SparkPlugHttp.servingSession(SparkSession.builder())
            .master("local[2]")
            .appName("@NAME@-test")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    port = freePort();
    String checkpoint = Files.createTempDirectory("@NAME@-test").toString();
    // The trigger main() uses by default: Spark's real-time mode.
    query = @CLASS@.start(spark, Integer.toString(port), "driver", "0", checkpoint, "realtime");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!listening(port)) {
      if (System.nanoTime() > deadline || !query.isActive()) {
        throw new IllegalStateException("the service did not start listening on port " + port);
      }
      Thread.sleep(50);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (query != null) {
      SparkPlugHttp.stop(query);
    }
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void greetsTheNameInTheBody() throws Exception {
    HttpResponse<String> response =
        send(HttpRequest.newBuilder(uri()).POST(HttpRequest.BodyPublishers.ofString("Ada")));
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("{\"greeting\":\"Hello, Ada!\"}", response.body());
    assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
  }

  @Test
  void greetsTheWorldWithoutABody() throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(uri()).GET());
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("{\"greeting\":\"Hello, world!\"}", response.body());
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return CLIENT.send(
        request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri() {
    return URI.create("http://127.0.0.1:" + port + "/hello");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return socket.getLocalPort() != port;
    } catch (IOException e) {
      return false;
    }
  }
}
