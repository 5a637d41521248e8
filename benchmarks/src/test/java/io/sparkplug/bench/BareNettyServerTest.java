package io.sparkplug.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
final class BareNettyServerTest {
  private static BareNettyServer server;
  private static HttpClient client;

  @BeforeAll
  static void startServer() throws InterruptedException {
    server = BareNettyServer.start("127.0.0.1", 0, 1);
    client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(5))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void echoReturnsTheBody() throws Exception {
    HttpResponse<String> response = post("/echo", "hello, ceiling");
    assertEquals(200, response.statusCode());
    assertEquals("hello, ceiling", response.body());
    assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
  }

  @Test
  void jsonUpperCasesTheNameAndAddsTax() throws Exception {
    HttpResponse<String> response = post("/json", "{\"name\":\"ada\",\"amount\":12.5}");
    assertEquals(200, response.statusCode());
    assertEquals("{\"name\":\"ADA\",\"amount\":12.5,\"amountWithTax\":15.0}", response.body());
  }

  @Test
  void jsonRejectsABodyThatIsNotAnOrder() throws Exception {
    assertEquals(400, post("/json", "not json").statusCode());
    assertEquals(400, post("/json", "{\"name\":7}").statusCode());
  }

  @Test
  void unknownPathIsNotFound() throws Exception {
    assertEquals(404, post("/nope", "").statusCode());
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws IOException {
    String first = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst";
    String second = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nsecond";
    String last = "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write((first + second + last).getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      // The last request asks to close, so reading to EOF collects all three replies.
      String replies = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      int firstAt = replies.indexOf("\r\n\r\nfirst");
      int secondAt = replies.indexOf("\r\n\r\nsecond");
      int notFoundAt = replies.indexOf("404 Not Found");
      assertTrue(firstAt > 0 && secondAt > firstAt && notFoundAt > secondAt, replies);
    }
  }
}
