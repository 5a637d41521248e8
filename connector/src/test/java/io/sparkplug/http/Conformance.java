package io.sparkplug.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * The HTTP/1.1 conformance suite of {@code conformance/http11.txt}: its cases parsed, and each run
 * over a raw socket against a port, with a deadline. The file's header says what each column means.
 */
final class Conformance {
  /** Every read of one case ends by this deadline. */
  private static final long CASE_DEADLINE_MS = 20_000;

  private static final Pattern IMF_FIXDATE =
      Pattern.compile(
          "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");

  private Conformance() {}

  /** One line of the suite. */
  record Case(
      String id,
      String section,
      String level,
      byte[] request,
      String direct,
      String haproxy,
      String note) {
    String expected(boolean throughProxy) {
      return throughProxy && !haproxy.equals("=") ? haproxy : direct;
    }

    @Override
    public String toString() {
      return id + " (RFC " + section + ", " + level + ")";
    }
  }

  static List<Case> cases() {
    Path file;
    try {
      file = Path.of(Conformance.class.getResource("/conformance/http11.txt").toURI());
      List<Case> cases = new ArrayList<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split(" \\| ", 7);
        if (f.length != 7) {
          throw new IllegalStateException("conformance case needs 7 columns: " + line);
        }
        if (!List.of("MUST", "SHOULD", "MAY").contains(f[2])) {
          throw new IllegalStateException("level must be MUST, SHOULD or MAY: " + line);
        }
        cases.add(new Case(f[0], f[1], f[2], unescape(f[3]), f[4], f[5], f[6]));
      }
      return cases;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The suite as dynamic tests against {@code port}. */
  static Stream<DynamicTest> tests(int port, boolean throughProxy) {
    return cases().stream()
        .map(c -> DynamicTest.dynamicTest(c.toString(), () -> run(c, port, throughProxy)));
  }

  /** The request bytes of a case: escapes and repeats expanded. */
  static byte[] unescape(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        char n = text.charAt(++i);
        switch (n) {
          case 'r' -> out.write('\r');
          case 'n' -> out.write('\n');
          case 't' -> out.write('\t');
          case '\\' -> out.write('\\');
          case 'x' -> {
            out.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
            i += 2;
          }
          default -> throw new IllegalArgumentException("unknown escape \\" + n + " in " + text);
        }
      } else if (c == '{' && text.startsWith("{await100}", i)) {
        out.write(0);
        out.write(0xff);
        i += "{await100}".length() - 1;
      } else if (c == '{' && text.indexOf('*', i) > i && Character.isDigit(text.charAt(i + 1))) {
        int star = text.indexOf('*', i);
        int end = text.indexOf('}', star);
        int count = Integer.parseInt(text.substring(i + 1, star));
        byte[] unit = text.substring(star + 1, end).getBytes(StandardCharsets.ISO_8859_1);
        for (int k = 0; k < count; k++) {
          out.write(unit, 0, unit.length);
        }
        i = end;
      } else {
        out.write(c);
      }
    }
    return out.toByteArray();
  }

  /** Runs one case and asserts its outcome. */
  static void run(Case c, int port, boolean throughProxy) throws IOException {
    String expected = c.expected(throughProxy);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CASE_DEADLINE_MS);
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setTcpNoDelay(true);
      Wire wire = new Wire(socket, deadline, c.toString());
      int split = indexOfAwait(c.request());
      if (split < 0) {
        wire.send(c.request());
      } else {
        wire.send(java.util.Arrays.copyOfRange(c.request(), 0, split));
        Response interim = wire.read();
        assertEquals(100, interim.status, c + ": expected 100 Continue, got " + interim);
        wire.send(java.util.Arrays.copyOfRange(c.request(), split + 2, c.request().length));
      }
      Response last = null;
      boolean dated = true;
      for (String step : expected.trim().split("\\s+")) {
        if (step.equals("nodate")) {
          dated = false;
        } else if (step.matches("\\d{3}")) {
          last = wire.read();
          assertEquals(Integer.parseInt(step), last.status, c + ": " + last);
          if (dated) {
            checkDate(c, last);
          }
        } else if (step.equals("close")) {
          wire.assertClosed();
        } else if (step.equals("alive")) {
          wire.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          Response followUp = wire.read();
          assertEquals(200, followUp.status, c + ": the connection no longer serves: " + followUp);
        } else {
          assertNotNull(last, c + ": a check before any response: " + step);
          checkResponse(c, step, last);
        }
      }
    }
  }

  private static int indexOfAwait(byte[] request) {
    for (int i = 0; i + 1 < request.length; i++) {
      if (request[i] == 0 && request[i + 1] == (byte) 0xff) {
        return i;
      }
    }
    return -1;
  }

  private static void checkResponse(Case c, String step, Response r) {
    if (step.startsWith("h:!")) {
      String name = step.substring(3);
      assertFalse(
          r.headers.containsKey(name.toLowerCase(Locale.ROOT)), c + ": has " + name + ": " + r);
    } else if (step.startsWith("h:")) {
      int eq = step.indexOf('=');
      int tilde = step.indexOf('~');
      int at = eq < 0 ? tilde : (tilde < 0 ? eq : Math.min(eq, tilde));
      String name = step.substring(2, at).toLowerCase(Locale.ROOT);
      String want = step.substring(at + 1);
      String value = r.headers.get(name);
      assertNotNull(value, c + ": no " + name + " header: " + r);
      if (step.charAt(at) == '=') {
        assertEquals(want, value, c + ": header " + name);
      } else {
        assertTrue(value.contains(want), c + ": header " + name + " is '" + value + "'");
      }
    } else if (step.startsWith("body=")) {
      assertEquals(step.substring(5).replace("\\s", " "), r.body, c + ": body");
    } else if (step.startsWith("v:")) {
      assertTrue(r.statusLine.startsWith(step.substring(2) + " "), c + ": " + r.statusLine);
    } else {
      fail(c + ": unknown step '" + step + "'");
    }
  }

  /** RFC 9110 6.6.1: an origin server sends Date on 2xx, 3xx and 4xx responses. */
  private static void checkDate(Case c, Response r) {
    if (r.status < 200 || r.status > 499) {
      return;
    }
    String date = r.headers.get("date");
    assertNotNull(date, c + ": no Date header: " + r);
    assertTrue(IMF_FIXDATE.matcher(date).matches(), c + ": Date is not IMF-fixdate: " + date);
    try {
      ZonedDateTime sent = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME);
      long skew = Math.abs(sent.toEpochSecond() - System.currentTimeMillis() / 1000);
      assertTrue(skew < 60, c + ": Date is " + skew + " s off: " + date);
    } catch (DateTimeParseException e) {
      fail(c + ": Date does not parse: " + date);
    }
  }

  /** A response as read off the wire. */
  record Response(int status, String statusLine, Map<String, String> headers, String body) {
    @Override
    public String toString() {
      return statusLine
          + " "
          + headers
          + " body="
          + (body.length() > 200 ? body.substring(0, 200) + "..." : body);
    }
  }

  /** One connection: writes, and reads responses under the case's deadline. */
  private static final class Wire {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final long deadline;
    private final String name;

    Wire(Socket socket, long deadline, String name) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.out = socket.getOutputStream();
      this.deadline = deadline;
      this.name = name;
    }

    void send(byte[] bytes) {
      try {
        out.write(bytes);
        out.flush();
      } catch (IOException e) {
        // The server may close before it has read all: what it answered is what counts.
      }
    }

    private int readByte() throws IOException {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new SocketTimeoutException("deadline");
      }
      socket.setSoTimeout((int) left);
      return in.read();
    }

    private String line() throws IOException {
      StringBuilder sb = new StringBuilder();
      int c;
      while ((c = readByte()) != -1) {
        if (c == '\n') {
          int len = sb.length();
          return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
        }
        sb.append((char) c);
      }
      return sb.length() == 0 ? null : sb.toString();
    }

    Response read() {
      try {
        String statusLine = line();
        if (statusLine == null) {
          fail(name + ": connection closed where a response was expected");
        }
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while ((line = line()) != null && !line.isEmpty()) {
          int colon = line.indexOf(':');
          String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
          String value = line.substring(colon + 1).trim();
          headers.merge(key, value, (a, b) -> a + ", " + b);
        }
        byte[] body;
        if (status < 200 || status == 204 || status == 304) {
          body = new byte[0];
        } else if (headers.containsKey("content-length")) {
          body = readN(Integer.parseInt(headers.get("content-length")));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
          body = readChunked();
        } else {
          body = readToEnd();
        }
        return new Response(
            status, statusLine, headers, new String(body, StandardCharsets.ISO_8859_1));
      } catch (SocketTimeoutException e) {
        throw new AssertionError(name + ": no complete response within the case's deadline");
      } catch (IOException e) {
        throw new AssertionError(name + ": connection failed where a response was expected: " + e);
      }
    }

    private byte[] readN(int n) throws IOException {
      byte[] body = new byte[n];
      for (int i = 0; i < n; i++) {
        int b = readByte();
        if (b < 0) {
          throw new IOException("end of stream inside a body");
        }
        body[i] = (byte) b;
      }
      return body;
    }

    private byte[] readChunked() throws IOException {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String size = line();
        int n = Integer.parseInt(size.split(";")[0].trim(), 16);
        if (n == 0) {
          while (!line().isEmpty()) {
            // trailer fields
          }
          return body.toByteArray();
        }
        body.write(readN(n));
        line();
      }
    }

    private byte[] readToEnd() throws IOException {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      int b;
      while ((b = readByte()) != -1) {
        body.write(b);
      }
      return body.toByteArray();
    }

    /** The server closes the connection, and sends no byte before it does. */
    void assertClosed() {
      try {
        int b = readByte();
        if (b != -1) {
          byte[] more = new byte[512];
          int n = Math.max(0, in.read(more));
          fail(
              name
                  + ": bytes after the last expected response: "
                  + (char) b
                  + new String(more, 0, n, StandardCharsets.ISO_8859_1));
        }
      } catch (SocketTimeoutException e) {
        fail(name + ": the server left the connection open");
      } catch (IOException e) {
        // a reset is a close
      }
    }
  }
}
