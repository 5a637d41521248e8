package io.sparkplug.http.cluster;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Calls other JVMs' {@link ControlServer}s. One HTTP/1.1 client per JVM, whose connections stay
 * open between calls, so a steady stream of forwarded replies pays for no handshakes.
 */
public final class ControlClient {
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .executor(
              Executors.newCachedThreadPool(
                  r -> {
                    Thread thread =
                        new Thread(r, "sparkplug-control-client-" + THREADS.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                  }))
          .build();

  private ControlClient() {}

  public static CompletableFuture<HttpResponse<byte[]>> post(
      JvmAddress address, String path, byte[] body, Duration timeout) {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://" + hostForUri(address.host()) + ":" + address.port() + path))
            .timeout(timeout)
            .header(Secret.HEADER, address.secret().headerValue())
            .header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    return CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String hostForUri(String host) {
    return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
  }
}
