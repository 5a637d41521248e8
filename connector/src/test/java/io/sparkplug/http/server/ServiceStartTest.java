package io.sparkplug.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkplug.http.TestSpark;
import io.sparkplug.http.config.ServiceOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A service is on its server before the port accepts connections: a client that connects the
 * instant the port opens is never told 404 for the path being started.
 */
@Timeout(120)
class ServiceStartTest {
  private static final int STARTS = 40;

  @Test
  void aClientThatConnectsTheMomentThePortOpensFindsThePath() throws Exception {
    List<String> refused = new ArrayList<>();
    for (int i = 0; i < STARTS; i++) {
      int port = TestSpark.freePort();
      CompletableFuture<String> response =
          CompletableFuture.supplyAsync(() -> firstStatusLine(port, System.nanoTime()));
      CompletableFuture<String> admitted = new CompletableFuture<>();
      HttpService service =
          HttpService.start(
              ServiceOptions.parse(Map.of("port", Integer.toString(port), "path", "/start")),
              "127.0.0.1",
              record -> admitted.complete(record.path()));
      try {
        // Admitted (nothing will answer it), or answered at once by the server: a 404 if the port
        // opened before the path was there.
        CompletableFuture.anyOf(admitted, response).get(20, TimeUnit.SECONDS);
        if (!admitted.isDone()) {
          refused.add(response.getNow("?"));
        }
      } finally {
        service.close();
      }
      response.get(20, TimeUnit.SECONDS);
    }
    assertEquals(List.of(), refused, "first requests answered without being admitted");
  }

  /**
   * Connects in a tight loop (bounded to 15 s) until the port accepts, sends one request for the
   * path at once, and returns the status line of its response.
   */
  private static String firstStatusLine(int port, long startNanos) {
    long deadline = startNanos + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
        socket.setSoTimeout(15_000);
        OutputStream out = socket.getOutputStream();
        out.write("GET /start HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return readLine(socket.getInputStream());
      } catch (ConnectException e) {
        // not listening yet
      } catch (IOException e) {
        return "I/O error: " + e;
      }
    }
    return "the port never accepted";
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }
}
