package io.sparkplug.cluster;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop mixed HTTP/1.1 traffic for {@link SoakIT}, over raw sockets so that every byte a server
 * sends is seen: a second response on a connection, or bytes nobody asked for, cannot go unnoticed.
 *
 * <p>A pacer thread starts one exchange every {@code 1/rate} seconds, whatever the earlier ones are
 * doing, taking the exchange's kind from a fixed cycle (mostly valid POSTs, through the balancer
 * and straight to the executors). Each request gets an id and exactly one {@link Outcome}: the
 * status of the one response it got, {@code closed} (the server closed the connection without a
 * response), or a client-side failure ({@code conn-error}, {@code no-response} at its own deadline,
 * {@code wrong-body}, {@code extra-bytes}, ...).
 */
final class SoakTraffic implements AutoCloseable {
  enum Kind {
    VALID,
    PIPELINED,
    MALFORMED,
    OVERSIZED,
    SLOW_HEADERS,
    SLOW_BODY;

    String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** Where an exchange goes: the balancer, or one executor's server. */
  record Target(String host, int port, boolean direct) {
    String route() {
      return direct ? "direct" : "haproxy";
    }
  }

  /** What happened to one request. {@code tookMs} is measured against {@code boundMs}. */
  record Outcome(
      long id, Kind kind, String route, String result, long tookMs, long boundMs, String detail) {}

  /** The limits the server and the balancer were given, which the outcomes are judged against. */
  record Limits(
      String service,
      String path,
      Duration requestTimeout,
      Duration readTimeout,
      Duration balancerHeaderTimeout,
      long maxBodyBytes,
      Duration margin) {}

  /** Exchanges in one cycle of the pacer: 20 arrivals, 13 of them single valid POSTs. */
  private static final String[] CYCLE = {
    "VALID lb", "VALID lb", "VALID direct", "VALID lb", "MALFORMED lb",
    "VALID lb", "PIPELINED lb", "VALID lb", "VALID direct", "OVERSIZED lb",
    "VALID lb", "VALID lb", "SLOW", "VALID lb", "VALID direct",
    "MALFORMED direct", "VALID lb", "PIPELINED direct", "VALID lb", "OVERSIZED direct",
  };

  /** Request lines that are not HTTP: every one gets 400 from the server and from HAProxy. */
  private static final String[] MALFORMED = {
    "NOT-HTTP\r\n\r\n",
    "GET\r\n\r\n",
    "GET /echo HTTP/1.1 trailing-garbage\r\nHost: soak\r\n\r\n",
    "G\u0001T /echo HTTP/1.1\r\nHost: soak\r\n\r\n",
    "POST /echo HTTP/A.B\r\nHost: soak\r\nContent-Length: 2\r\n\r\nhi",
  };

  /** A pooled keep-alive connection idle this long is closed by the client, as browsers do. */
  private static final long POOL_IDLE_NANOS = TimeUnit.SECONDS.toNanos(4);

  private static final long SLOW_TRICKLE_MS = 250;

  private final Limits limits;
  private final Target balancer;
  private final List<Target> executors;
  private final Map<Target, Deque<RawConnection>> pools = new ConcurrentHashMap<>();
  private final ThreadPoolExecutor clients;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong exchanges = new AtomicLong();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Set<Long> issued = ConcurrentHashMap.newKeySet();
  private final Map<Long, Outcome> outcomes = new ConcurrentHashMap<>();
  private final Collection<String> duplicates = new ConcurrentLinkedQueue<>();
  private final Collection<String> protocolErrors = new ConcurrentLinkedQueue<>();

  /**
   * Responses read off the wire, counted per request id named in their echoed body: independent of
   * the outcome bookkeeping, so that a request answered twice shows here however the generator
   * judged the responses.
   */
  private final java.util.concurrent.ConcurrentHashMap<
          Long, java.util.concurrent.atomic.AtomicInteger>
      wireResponses = new java.util.concurrent.ConcurrentHashMap<>();

  private final Map<String, AtomicLong> servedBy = new ConcurrentHashMap<>();
  private final AtomicLong maxLagMs = new AtomicLong();
  private final AtomicLong maxConcurrent = new AtomicLong();

  SoakTraffic(Limits limits, Target balancer, List<Target> executors) {
    this.limits = limits;
    this.balancer = balancer;
    this.executors = List.copyOf(executors);
    AtomicInteger threads = new AtomicInteger();
    // Open loop: an arrival never waits for a thread. Every exchange ends by its own deadline,
    // so the number of threads stays near rate x the longest deadline.
    this.clients =
        new ThreadPoolExecutor(
            0,
            2048,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            runnable -> {
              Thread thread = new Thread(runnable, "soak-client-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Starts exchanges at {@code rate} per second for {@code duration}, then waits (bounded by the
   * longest deadline an exchange can have) until every exchange has ended.
   */
  void run(Duration duration, double rate) throws InterruptedException {
    long interval = (long) (1e9 / rate);
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    for (long n = 0; ; n++) {
      long due = start + n * interval;
      if (due >= end) {
        break;
      }
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      long lagMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - due);
      maxLagMs.accumulateAndGet(lagMs, Math::max);
      String[] slot = CYCLE[(int) (n % CYCLE.length)].split(" ");
      long exchange = exchanges.incrementAndGet();
      Runnable task = exchange(slot[0], slot.length > 1 ? slot[1] : "", exchange);
      inFlight.incrementAndGet();
      maxConcurrent.accumulateAndGet(inFlight.get(), Math::max);
      try {
        clients.execute(
            () -> {
              try {
                task.run();
              } finally {
                inFlight.decrementAndGet();
              }
            });
      } catch (RuntimeException overloaded) {
        inFlight.decrementAndGet();
        long id = newId();
        record(id, Kind.VALID, "generator", "generator-overload", 0, 0, overloaded.toString());
      }
    }
    long quietBy = System.nanoTime() + longestBound().plus(limits.margin()).toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < quietBy) {
      Thread.sleep(20);
    }
  }

  /** Exchanges still running: 0 after {@link #run} unless one overran every deadline. */
  int inFlight() {
    return inFlight.get();
  }

  private Duration longestBound() {
    Duration longest = limits.requestTimeout().multipliedBy(6);
    return longest.compareTo(limits.balancerHeaderTimeout()) > 0
        ? longest
        : limits.balancerHeaderTimeout();
  }

  private Runnable exchange(String kind, String route, long n) {
    Target direct = executors.get((int) (n % executors.size()));
    Target target = "direct".equals(route) ? direct : balancer;
    return switch (kind) {
      case "VALID" -> () -> valid(target, n);
      case "PIPELINED" -> () -> pipelined(target, n);
      case "MALFORMED" -> () -> malformed(target, n);
      case "OVERSIZED" -> () -> oversized(target, n);
      case "SLOW" ->
          switch ((int) ((n / CYCLE.length) % 4)) {
            case 0 -> () -> slowHeaders(direct, n);
            case 1 -> () -> slowBody(direct, n);
            case 2 -> () -> slowBody(balancer, n);
            default -> () -> slowHeaders(balancer, n);
          };
      default -> throw new IllegalArgumentException(kind);
    };
  }

  // ---- the exchanges ----

  private void valid(Target target, long n) {
    long id = newId();
    String body = body(id);
    long start = System.nanoTime();
    long bound = limits.requestTimeout().plus(limits.margin()).toMillis();
    RawConnection connection = null;
    try {
      connection = borrow(target);
      connection.write(post(body));
      Response response = connection.read(start + TimeUnit.MILLISECONDS.toNanos(bound));
      String result = judgeEcho(response, body);
      record(id, Kind.VALID, target.route(), result, sinceMs(start), bound, response.summary());
      if (response.close() || !"200".equals(result)) {
        // Bytes already there after a response that ends the exchange are a second response.
        retire(connection, "after " + result);
      } else {
        giveBack(target, connection);
      }
      connection = null;
    } catch (IOException e) {
      record(id, Kind.VALID, target.route(), failure(e), sinceMs(start), bound, e.toString());
    } finally {
      if (connection != null) {
        connection.close();
      }
    }
  }

  /** Several requests in one write; the responses must come in order, and nothing after them. */
  private void pipelined(Target target, long n) {
    int count = 2 + (int) (n % 5);
    long[] requestIds = new long[count];
    String[] bodies = new String[count];
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int i = 0; i < count; i++) {
      requestIds[i] = newId();
      bodies[i] = body(requestIds[i]);
      all.writeBytes(post(bodies[i]));
    }
    long bound = limits.requestTimeout().plus(limits.margin()).toMillis();
    int answered = 0;
    long start = System.nanoTime();
    // HAProxy forwards pipelined requests one at a time, so each request's own timeout starts
    // when the response before it arrived; a server reads them all at once.
    long clock = start;
    try (RawConnection connection = RawConnection.open(target)) {
      connection.write(all.toByteArray());
      for (; answered < count; answered++) {
        Response response = connection.read(clock + TimeUnit.MILLISECONDS.toNanos(bound));
        String result = judgeEcho(response, bodies[answered]);
        long took = sinceMs(clock);
        if (answered == count - 1 && "200".equals(result)) {
          String extra = connection.bytesWithin(Duration.ofMillis(300));
          if (extra != null) {
            result = "extra-bytes";
            protocolErrors.add("after " + count + " pipelined responses: " + extra);
          }
        }
        record(
            requestIds[answered],
            Kind.PIPELINED,
            target.route(),
            result,
            took,
            bound,
            (answered + 1) + "/" + count + " " + response.summary());
        if (!target.direct()) {
          clock = System.nanoTime();
        }
      }
    } catch (IOException e) {
      for (int i = answered; i < count; i++) {
        record(
            requestIds[i],
            Kind.PIPELINED,
            target.route(),
            failure(e),
            sinceMs(clock),
            bound,
            (i + 1) + "/" + count + " " + e);
      }
    }
  }

  private void malformed(Target target, long n) {
    String request = MALFORMED[(int) ((n / CYCLE.length) % MALFORMED.length)];
    refused(Kind.MALFORMED, target, request, 400);
  }

  /** Declares a body above {@code maxBodyBytes}; the server refuses it before reading any of it. */
  private void oversized(Target target, long n) {
    long length = (n / CYCLE.length) % 2 == 0 ? limits.maxBodyBytes() + 1 : 50L * 1024 * 1024;
    String request =
        "POST "
            + limits.path()
            + " HTTP/1.1\r\nHost: soak\r\nContent-Type: text/plain\r\nContent-Length: "
            + length
            + "\r\n\r\n";
    refused(Kind.OVERSIZED, target, request, 413);
  }

  /** One request that must get {@code status} at once, then a closed connection. */
  private void refused(Kind kind, Target target, String request, int status) {
    long id = newId();
    long start = System.nanoTime();
    long bound = limits.margin().toMillis();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(bound);
    try (RawConnection connection = RawConnection.open(target)) {
      connection.write(request.getBytes(StandardCharsets.ISO_8859_1));
      Response response = connection.read(deadline);
      String result = Integer.toString(response.status());
      // The connector closes after refusing. HAProxy closes after its own 400, but after
      // relaying a 413 it keeps the client's connection, expecting the declared body: the
      // close is checked only where the connector answers the client itself.
      boolean mustClose = target.direct() || kind == Kind.MALFORMED;
      if (response.status() == status && mustClose && !connection.closedBy(deadline)) {
        result = status + "-not-closed";
      }
      record(id, kind, target.route(), result, sinceMs(start), bound, response.summary());
    } catch (IOException e) {
      record(id, kind, target.route(), failure(e), sinceMs(start), bound, e.toString());
    }
  }

  /**
   * A slowloris: the request line, then one header byte every 250 ms, never ending the headers. The
   * server answers 408 once {@code readTimeout} passed since the first byte; HAProxy, which waits
   * for whole headers before it forwards anything, after its {@code timeout http-request}.
   */
  private void slowHeaders(Target target, long n) {
    long id = newId();
    Duration timeout = target.direct() ? limits.readTimeout() : limits.balancerHeaderTimeout();
    long bound = timeout.plus(limits.margin()).toMillis();
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(bound);
    try (RawConnection connection = RawConnection.open(target)) {
      connection.write(
          ("POST " + limits.path() + " HTTP/1.1\r\nHost: soak\r\nX-Slow-" + n + ": ")
              .getBytes(StandardCharsets.ISO_8859_1));
      String result = null;
      String detail = "";
      while (result == null) {
        if (System.nanoTime() > deadline) {
          result = "no-response";
        } else if (connection.readable(Duration.ofMillis(SLOW_TRICKLE_MS))) {
          Response response = connection.readOrClosed(deadline);
          result = response == null ? "closed" : Integer.toString(response.status());
          detail = response == null ? "" : response.summary();
        } else {
          try {
            connection.write(new byte[] {'a'});
          } catch (IOException writeFailed) {
            // The server closed first; a response it sent before is still readable.
            Response response = connection.readOrClosed(deadline);
            result = response == null ? "closed" : Integer.toString(response.status());
            detail = writeFailed.toString();
          }
        }
      }
      record(id, Kind.SLOW_HEADERS, target.route(), result, sinceMs(start), bound, detail);
    } catch (IOException e) {
      record(
          id, Kind.SLOW_HEADERS, target.route(), failure(e), sinceMs(start), bound, e.toString());
    }
  }

  /** Whole headers and a tenth of the declared body, then silence: 408 after readTimeout. */
  private void slowBody(Target target, long n) {
    long id = newId();
    long bound = limits.readTimeout().plus(limits.margin()).toMillis();
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(bound);
    try (RawConnection connection = RawConnection.open(target)) {
      connection.write(
          ("POST "
                  + limits.path()
                  + " HTTP/1.1\r\nHost: soak\r\nContent-Length: 100\r\n\r\nstalled-"
                  + n
                  + "-")
              .getBytes(StandardCharsets.ISO_8859_1));
      Response response = connection.readOrClosed(deadline);
      String result = response == null ? "closed" : Integer.toString(response.status());
      record(
          id,
          Kind.SLOW_BODY,
          target.route(),
          result,
          sinceMs(start),
          bound,
          response == null ? "" : response.summary());
    } catch (IOException e) {
      record(id, Kind.SLOW_BODY, target.route(), failure(e), sinceMs(start), bound, e.toString());
    }
  }

  // ---- judging and recording ----

  private String judgeEcho(Response response, String body) {
    countOnTheWire(response);
    if (response.status() != 200) {
      return Integer.toString(response.status());
    }
    String expected = limits.service() + ": " + body.toUpperCase(Locale.ROOT);
    if (!expected.equals(response.body())) {
      return "wrong-body";
    }
    String executor = response.headers().get("x-served-by");
    if (executor == null) {
      return "no-x-served-by";
    }
    servedBy.computeIfAbsent(executor, e -> new AtomicLong()).incrementAndGet();
    return "200";
  }

  private static String failure(IOException e) {
    return e instanceof SocketTimeoutException ? "no-response" : "conn-error";
  }

  /** True when {@code result} is what a request of this kind must get. */
  static boolean expected(Kind kind, String result) {
    return switch (kind) {
      case VALID, PIPELINED -> "200".equals(result);
      case MALFORMED -> "400".equals(result);
      case OVERSIZED -> "413".equals(result);
      case SLOW_HEADERS, SLOW_BODY -> "408".equals(result) || "closed".equals(result);
    };
  }

  private long newId() {
    long id = ids.incrementAndGet();
    issued.add(id);
    return id;
  }

  private void record(
      long id, Kind kind, String route, String result, long tookMs, long boundMs, String detail) {
    Outcome outcome = new Outcome(id, kind, route, result, tookMs, boundMs, detail);
    Outcome earlier = outcomes.putIfAbsent(id, outcome);
    if (earlier != null) {
      duplicates.add(earlier + " then " + outcome);
    }
  }

  private static long sinceMs(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  /** A body unique to the request, so that a reply meant for another request is caught. */
  /** Counts a response for the request whose id its echoed body names ("SERVICE: SOAK-ID-..."). */
  private void countOnTheWire(Response response) {
    String text = response.body();
    int at = text == null ? -1 : text.indexOf("SOAK-");
    if (at < 0) {
      return;
    }
    int end = text.indexOf('-', at + 5);
    if (end < 0) {
      return;
    }
    try {
      long id = Long.parseLong(text.substring(at + 5, end));
      wireResponses
          .computeIfAbsent(id, k -> new java.util.concurrent.atomic.AtomicInteger())
          .incrementAndGet();
    } catch (NumberFormatException notAnId) {
      // a body that names no request
    }
  }

  /** Request ids that more than one response on the wire named, with how many. */
  List<String> wireDuplicates() {
    List<String> found = new ArrayList<>();
    wireResponses.forEach(
        (id, count) -> {
          if (count.get() > 1) {
            found.add(id + " x" + count.get());
          }
        });
    return found;
  }

  /** Ids judged "200" whose echo was not read exactly once off the wire. */
  List<String> answeredButNotOnceOnTheWire() {
    List<String> found = new ArrayList<>();
    outcomes.forEach(
        (id, outcome) -> {
          if ("200".equals(outcome.result())) {
            var count = wireResponses.get(id);
            if (count == null || count.get() != 1) {
              found.add(id + " x" + (count == null ? 0 : count.get()));
            }
          }
        });
    return found;
  }

  private static String body(long id) {
    int size = id % 97 == 0 ? 200_000 : id % 11 == 0 ? 8_000 : 24 + (int) (id % 40);
    StringBuilder body = new StringBuilder(size).append("soak-").append(id).append('-');
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (long x = id * 2654435761L; body.length() < size; x = x * 6364136223846793005L + 1) {
      body.append(alphabet.charAt((int) ((x >>> 33) % alphabet.length())));
    }
    return body.toString();
  }

  private byte[] post(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST "
            + limits.path()
            + " HTTP/1.1\r\nHost: soak\r\nContent-Type: text/plain\r\nContent-Length: "
            + bytes.length
            + "\r\n\r\n";
    ByteArrayOutputStream request = new ByteArrayOutputStream(head.length() + bytes.length);
    request.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
    request.writeBytes(bytes);
    return request.toByteArray();
  }

  // ---- connection pool for single valid requests ----

  private RawConnection borrow(Target target) throws IOException {
    Deque<RawConnection> pool = pools.computeIfAbsent(target, t -> new ConcurrentLinkedDeque<>());
    RawConnection connection;
    while ((connection = pool.pollFirst()) != null) {
      if (System.nanoTime() - connection.idleSince > POOL_IDLE_NANOS) {
        retire(connection, "idle");
        continue;
      }
      String extra = connection.bytesWithin(Duration.ZERO);
      if (extra == null) {
        return connection;
      }
      // A closed pooled connection (the server timed it out) is not an error; bytes are.
      if (!extra.isEmpty()) {
        protocolErrors.add("on an idle connection to " + target + ": " + extra);
      }
      connection.close();
    }
    return RawConnection.open(target);
  }

  private void giveBack(Target target, RawConnection connection) {
    connection.idleSince = System.nanoTime();
    pools.get(target).offerFirst(connection);
  }

  private void retire(RawConnection connection, String why) {
    String extra = connection.bytesWithin(Duration.ZERO);
    if (extra != null && !extra.isEmpty()) {
      protocolErrors.add("on a connection closed as " + why + ": " + extra);
    }
    connection.close();
  }

  /** Closes every pooled connection, checking first that none received unrequested bytes. */
  void closeConnections() {
    for (Deque<RawConnection> pool : pools.values()) {
      RawConnection connection;
      while ((connection = pool.pollFirst()) != null) {
        retire(connection, "finished");
      }
    }
  }

  @Override
  public void close() {
    closeConnections();
    clients.shutdownNow();
  }

  // ---- results ----

  /** Ids issued without an outcome. */
  List<Long> missing() {
    List<Long> missing = new ArrayList<>();
    for (long id : issued) {
      if (!outcomes.containsKey(id)) {
        missing.add(id);
      }
    }
    return missing;
  }

  Collection<Outcome> outcomes() {
    return outcomes.values();
  }

  List<String> duplicates() {
    return List.copyOf(duplicates);
  }

  List<String> protocolErrors() {
    return List.copyOf(protocolErrors);
  }

  Map<String, Long> servedBy() {
    Map<String, Long> counts = new TreeMap<>();
    servedBy.forEach((executor, count) -> counts.put(executor, count.get()));
    return counts;
  }

  long exchanges() {
    return exchanges.get();
  }

  long maxLagMs() {
    return maxLagMs.get();
  }

  long maxConcurrent() {
    return maxConcurrent.get();
  }

  /** Outcomes of a kind and route, counted by result. */
  Map<String, Map<String, Long>> table() {
    Map<String, Map<String, Long>> table = new TreeMap<>();
    for (Outcome outcome : outcomes.values()) {
      table
          .computeIfAbsent(
              outcome.kind().label() + " " + outcome.route(), key -> new LinkedHashMap<>())
          .merge(outcome.result(), 1L, Long::sum);
    }
    return table;
  }

  // ---- raw HTTP/1.1 ----

  /** One response: status, headers (lower-case names), body, and whether it closes. */
  record Response(int status, Map<String, String> headers, String body, boolean close) {
    String summary() {
      String start = body.length() > 60 ? body.substring(0, 60) + "..." : body;
      return status + " " + start.replaceAll("\\s+", " ");
    }
  }

  /** A client connection over a plain socket. Reads are bounded by the caller's deadline. */
  static final class RawConnection implements AutoCloseable {
    private final Socket socket;
    private final BufferedInputStream in;
    private final OutputStream out;
    long idleSince;

    private RawConnection(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
      this.out = socket.getOutputStream();
    }

    static RawConnection open(Target target) throws IOException {
      Socket socket = new Socket();
      try {
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(target.host(), target.port()), 5_000);
        return new RawConnection(socket);
      } catch (IOException e) {
        socket.close();
        throw e;
      }
    }

    void write(byte[] bytes) throws IOException {
      out.write(bytes);
      out.flush();
    }

    /** Reads one whole response; end of stream before it is a {@code conn-error}. */
    Response read(long deadlineNanos) throws IOException {
      Response response = readOrClosed(deadlineNanos);
      if (response == null) {
        throw new EOFException("connection closed before a response");
      }
      return response;
    }

    /** Reads one whole response, or returns null when the server closed (or reset) first. */
    Response readOrClosed(long deadlineNanos) throws IOException {
      String statusLine;
      try {
        statusLine = line(deadlineNanos);
      } catch (SocketTimeoutException e) {
        throw e;
      } catch (SocketException reset) {
        return null;
      }
      if (statusLine == null) {
        return null;
      }
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new IOException("not a status line: " + statusLine);
      }
      int status = Integer.parseInt(parts[1]);
      Map<String, String> headers = new LinkedHashMap<>();
      String line;
      while (!(line = requiredLine(deadlineNanos)).isEmpty()) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
          throw new IOException("not a header line: " + line);
        }
        String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        if (headers.containsKey(name) && name.equals("content-length")) {
          throw new IOException("two Content-Length headers");
        }
        headers.put(name, line.substring(colon + 1).trim());
      }
      boolean close = "close".equalsIgnoreCase(headers.getOrDefault("connection", ""));
      byte[] body;
      if (headers.containsKey("content-length")) {
        int length = Integer.parseInt(headers.get("content-length"));
        body = new byte[length];
        int read = 0;
        while (read < length) {
          soTimeout(deadlineNanos);
          int n = in.read(body, read, length - read);
          if (n < 0) {
            throw new EOFException("response body cut at " + read + " of " + length + " bytes");
          }
          read += n;
        }
      } else if (headers.containsKey("transfer-encoding")) {
        throw new IOException("unexpected Transfer-Encoding in a response");
      } else {
        // No length: the body runs to the end of the connection.
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        int b;
        while (true) {
          soTimeout(deadlineNanos);
          if ((b = in.read()) < 0) {
            break;
          }
          rest.write(b);
        }
        body = rest.toByteArray();
        close = true;
      }
      return new Response(status, headers, new String(body, StandardCharsets.UTF_8), close);
    }

    /** True when the server closed (end of stream or reset) by the deadline, sending nothing. */
    boolean closedBy(long deadlineNanos) throws IOException {
      try {
        soTimeout(deadlineNanos);
        return in.read() < 0;
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException reset) {
        return true;
      }
    }

    /** True when a byte, the end of the stream or a reset arrives within {@code wait}. */
    boolean readable(Duration wait) throws IOException {
      if (in.available() > 0) {
        return true;
      }
      socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
      in.mark(1);
      try {
        int b = in.read();
        if (b >= 0) {
          in.reset();
        }
        return true;
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException reset) {
        return true;
      }
    }

    /**
     * What arrived unasked within {@code wait}: null when nothing did, "" when the server closed
     * the connection, else a description of the bytes.
     */
    String bytesWithin(Duration wait) {
      try {
        int available = in.available();
        if (available == 0) {
          socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
          int b = in.read();
          if (b < 0) {
            return "";
          }
          available = 1 + in.available();
        }
        byte[] extra = in.readNBytes(Math.min(available, 200));
        return available + " unexpected bytes: " + new String(extra, StandardCharsets.ISO_8859_1);
      } catch (SocketTimeoutException e) {
        return null;
      } catch (IOException closed) {
        return "";
      }
    }

    private String requiredLine(long deadlineNanos) throws IOException {
      String line = line(deadlineNanos);
      if (line == null) {
        throw new EOFException("response cut in its headers");
      }
      return line;
    }

    /** One CRLF-ended line, or null at end of stream before its first byte. */
    private String line(long deadlineNanos) throws IOException {
      StringBuilder line = new StringBuilder();
      while (true) {
        soTimeout(deadlineNanos);
        int b = in.read();
        if (b < 0) {
          if (line.length() == 0) {
            return null;
          }
          throw new EOFException("response cut in a line: " + line);
        }
        if (b == '\n') {
          int end = line.length();
          return end > 0 && line.charAt(end - 1) == '\r'
              ? line.substring(0, end - 1)
              : line.toString();
        }
        line.append((char) b);
        if (line.length() > 16 * 1024) {
          throw new IOException("response line too long");
        }
      }
    }

    private void soTimeout(long deadlineNanos) throws IOException {
      long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
      if (left <= 0) {
        throw new SocketTimeoutException("deadline passed");
      }
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
