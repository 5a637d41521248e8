package io.sparkplug.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** HTTP clients for tests: the JDK client for ordinary calls, raw sockets for malformed ones. */
public final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private Http() {}

  public static HttpResponse<String> post(int port, String path, String body) {
    return send(
        HttpRequest.newBuilder(uri(port, path))
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  public static HttpResponse<String> get(int port, String path) {
    return send(HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(60)).build());
  }

  public static HttpResponse<String> send(HttpRequest request) {
    try {
      return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A POST that does not wait: for many requests in flight at once. */
  public static java.util.concurrent.CompletableFuture<HttpResponse<String>> postAsync(
      int port, String path, String body) {
    return CLIENT.sendAsync(
        HttpRequest.newBuilder(uri(port, path))
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The human text of an error response's body: today the plain-text body without its line end.
   * Every test that checks an error's wording goes through here, so that a change of the error
   * format (such as RFC 9457 problem details) changes one place.
   */
  public static String errorText(String body) {
    String text = body.strip();
    if (text.startsWith("{")) {
      try {
        com.fasterxml.jackson.databind.JsonNode json =
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        String title = json.path("title").asText("");
        String detail = json.path("detail").asText("");
        // A problem document's detail carries the message the plain-text bodies had.
        return detail.isEmpty() ? title : detail;
      } catch (IOException e) {
        return text;
      }
    }
    return text;
  }

  public static URI uri(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** A parsed response read off a raw socket. */
  public record RawResponse(int status, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** A raw connection: write any bytes, read responses one by one. */
  public static final class Raw implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public Raw(int port) {
      try {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public Raw write(String text) {
      return write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public Raw write(byte[] bytes) {
      try {
        out.write(bytes);
        out.flush();
        return this;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Reads one response (status line, headers, Content-Length body). */
    public RawResponse read() {
      RawResponse head = readHeadersOnly();
      try {
        int length = Integer.parseInt(head.headers().getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        return new RawResponse(
            head.status(), head.headers(), new String(body, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Reads a status line and headers only: the response to a HEAD, which has no body. */
    public RawResponse readHeadersOnly() {
      try {
        String statusLine = line();
        if (statusLine == null) {
          throw new IOException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while ((line = line()) != null && !line.isEmpty()) {
          int colon = line.indexOf(':');
          headers.put(
              line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
              line.substring(colon + 1).trim());
        }
        return new RawResponse(status, headers, "");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Reads responses until {@code count} have arrived. */
    public List<RawResponse> read(int count) {
      List<RawResponse> responses = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        responses.add(read());
      }
      return responses;
    }

    /**
     * True when the server closed the connection (end of stream or reset) within the timeout; any
     * bytes it sends first are read and discarded.
     */
    public boolean closedByServer(Duration within) {
      long deadline = System.nanoTime() + within.toNanos();
      try {
        while (true) {
          long left =
              java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0) {
            return false;
          }
          socket.setSoTimeout((int) left);
          if (in.read() == -1) {
            return true;
          }
        }
      } catch (java.net.SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        return true;
      }
    }

    /**
     * Fails if the server sends anything at all on this connection within {@code within}: for
     * "exactly one response" checks, where a duplicate response, even one byte of it, is a defect.
     * Returns normally when the time passes in silence; a close by the server also counts as
     * silence (no byte arrived).
     */
    public void assertNothingArrives(Duration within) {
      try {
        socket.setSoTimeout((int) Math.max(1, within.toMillis()));
        int b = in.read();
        if (b != -1) {
          byte[] rest = new byte[4096];
          socket.setSoTimeout(200);
          int n = 0;
          try {
            n = Math.max(0, in.read(rest));
          } catch (java.net.SocketTimeoutException e) {
            // only what arrived so far
          }
          throw new AssertionError(
              "unexpected bytes on the connection: "
                  + (char) b
                  + new String(rest, 0, n, StandardCharsets.ISO_8859_1));
        }
      } catch (java.net.SocketTimeoutException e) {
        // silence: as wanted
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        try {
          socket.setSoTimeout(30_000);
        } catch (IOException e) {
          // the socket is gone; the next read says so
        }
      }
    }

    private String line() throws IOException {
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

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // nothing left to do with a socket that will not close
      }
    }
  }
}
