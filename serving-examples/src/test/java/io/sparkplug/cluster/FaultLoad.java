package io.sparkplug.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Open-loop load for {@link ClusterFaultsIT}: a pacer starts one POST every {@code 1/rate} seconds
 * whatever the earlier ones are doing, each on its own raw socket with {@code Connection: close},
 * and reads every byte the server sends until it closes or the request's own deadline passes.
 *
 * <p>Each request therefore has exactly one {@link Exchange}, and the exchange says how many HTTP
 * responses came back on its connection ({@code responses}, counted on the wire): 1 for an answered
 * request, 0 for a connection refused, reset or closed without an answer, 2 or more for a
 * duplicate. {@code no-response} means the client was still waiting at its deadline.
 */
final class FaultLoad implements AutoCloseable {
  /** Where the requests go: {@code host:port} and the path to POST to. */
  record Target(String host, int port, String path) {}

  /**
   * One request. {@code startMs} is from the load's start; {@code result} is the status code of the
   * one response, or {@code refused}, {@code reset}, {@code closed} (no response before the server
   * closed), {@code no-response} (deadline), {@code wrong-body}, {@code duplicate} (more than one
   * response), {@code garbage} (bytes that are no HTTP response).
   */
  record Exchange(
      long id, long startMs, long tookMs, String result, int responses, String servedBy) {
    boolean ok() {
      return "200".equals(result);
    }
  }

  /** What a window of the load saw. */
  record Summary(
      int requests,
      int ok,
      Map<String, Integer> results,
      long slowestFailureMs,
      long slowestMs,
      int maxResponses,
      int noResponse) {
    int failures() {
      return requests - ok;
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%d requests, %d ok, %d failed %s, slowest failure %d ms, slowest %d ms",
          requests,
          ok,
          failures(),
          results,
          slowestFailureMs,
          slowestMs);
    }
  }

  private final String label;
  private final Target target;
  private final String replyPrefix;
  private final Duration deadline;
  private final ThreadPoolExecutor clients;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<Long, Exchange> exchanges = new ConcurrentHashMap<>();
  private final long startNanos = System.nanoTime();
  private volatile Thread pacer;

  /**
   * @param replyPrefix what the service puts before the upper-cased body ({@code "echo: "})
   * @param deadline how long a client waits for its response: the service's requestTimeout plus the
   *     slack the test allows
   */
  FaultLoad(String label, Target target, String replyPrefix, Duration deadline) {
    this.label = label;
    this.target = target;
    this.replyPrefix = replyPrefix;
    this.deadline = deadline;
    AtomicInteger threads = new AtomicInteger();
    // Open loop: an arrival never waits for a thread; every exchange ends by its deadline, so the
    // number of threads stays near rate x deadline (bounded here).
    this.clients =
        new ThreadPoolExecutor(
            0,
            1500,
            10,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            runnable -> {
              Thread thread = new Thread(runnable, label + "-client-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Milliseconds since this load was created: the clock of {@link Exchange#startMs()}. */
  long nowMs() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  /** Starts {@code rate} requests a second for {@code duration}; returns at once. */
  void start(int rate, Duration duration) {
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    long end = System.nanoTime() + duration.toNanos();
    Thread thread =
        new Thread(
            () -> {
              long next = System.nanoTime();
              while (next < end && !Thread.currentThread().isInterrupted()) {
                long id = ids.incrementAndGet();
                long startMs = nowMs();
                inFlight.incrementAndGet();
                try {
                  clients.execute(() -> exchange(id, startMs));
                } catch (RuntimeException overloaded) {
                  inFlight.decrementAndGet();
                  exchanges.put(id, new Exchange(id, startMs, 0, "generator-overload", 0, ""));
                }
                next += interval;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                  LockSupport.parkNanos(wait);
                }
              }
            },
            label + "-pacer");
    thread.setDaemon(true);
    pacer = thread;
    thread.start();
  }

  /**
   * Waits for the pacer to finish and every exchange to end: bounded by the load's duration plus
   * one deadline, since no exchange outlives its own.
   */
  void awaitEnd(Duration bound) throws InterruptedException {
    long until = System.nanoTime() + bound.toNanos();
    Thread thread = pacer;
    if (thread != null) {
      thread.join(Math.max(1, bound.toMillis()));
    }
    while (inFlight.get() > 0 || (thread != null && thread.isAlive())) {
      if (System.nanoTime() > until) {
        throw new IllegalStateException(
            label + ": " + inFlight.get() + " exchanges still running after " + bound);
      }
      Thread.sleep(20);
    }
  }

  long issued() {
    return ids.get();
  }

  /** Every exchange so far, by id. */
  List<Exchange> exchanges() {
    List<Exchange> all = new ArrayList<>(exchanges.values());
    all.sort(Comparator.comparingLong(Exchange::id));
    return all;
  }

  /** The exchanges started in {@code [fromMs, toMs)}, summarised. */
  Summary summary(long fromMs, long toMs) {
    return summarize(e -> e.startMs() >= fromMs && e.startMs() < toMs);
  }

  Summary summarize(Predicate<Exchange> which) {
    List<Exchange> chosen = exchanges().stream().filter(which).toList();
    Map<String, Integer> results = new TreeMap<>();
    int ok = 0;
    long slowestFailure = 0;
    long slowest = 0;
    int maxResponses = 0;
    int noResponse = 0;
    for (Exchange e : chosen) {
      slowest = Math.max(slowest, e.tookMs());
      maxResponses = Math.max(maxResponses, e.responses());
      if (e.ok()) {
        ok++;
      } else {
        results.merge(e.result(), 1, Integer::sum);
        slowestFailure = Math.max(slowestFailure, e.tookMs());
      }
      if ("no-response".equals(e.result())) {
        noResponse++;
      }
    }
    return new Summary(
        chosen.size(), ok, results, slowestFailure, slowest, maxResponses, noResponse);
  }

  /** Problems no fault excuses: a lost exchange, a duplicate, garbage, a client left waiting. */
  List<String> violations() {
    List<String> problems = new ArrayList<>();
    if (exchanges.size() != ids.get()) {
      problems.add(label + ": " + ids.get() + " requests issued, " + exchanges.size() + " ended");
    }
    for (Exchange e : exchanges()) {
      switch (e.result()) {
        case "no-response", "duplicate", "garbage", "wrong-body", "generator-overload" ->
            problems.add(label + ": " + e);
        default -> {
          if (e.responses() > 1) {
            problems.add(label + ": " + e);
          }
        }
      }
    }
    return problems;
  }

  /** First time at or after {@code fromMs} an exchange matching {@code which} started, or -1. */
  long firstStart(long fromMs, Predicate<Exchange> which) {
    return exchanges().stream()
        .filter(e -> e.startMs() >= fromMs && which.test(e))
        .mapToLong(Exchange::startMs)
        .min()
        .orElse(-1);
  }

  /** Last time before {@code toMs} an exchange matching {@code which} started, or -1. */
  long lastStart(long toMs, Predicate<Exchange> which) {
    return exchanges().stream()
        .filter(e -> e.startMs() < toMs && which.test(e))
        .mapToLong(Exchange::startMs)
        .max()
        .orElse(-1);
  }

  private void exchange(long id, long startMs) {
    long start = System.nanoTime();
    long until = start + deadline.toNanos();
    Exchange outcome;
    try {
      outcome = send(id, startMs, start, until);
    } catch (RuntimeException e) {
      outcome = new Exchange(id, startMs, sinceMs(start), "client-error " + e, 0, "");
    }
    exchanges.put(id, outcome);
    inFlight.decrementAndGet();
  }

  private Exchange send(long id, long startMs, long start, long until) {
    String body = "f" + id;
    byte[] request =
        ("POST "
                + target.path()
                + " HTTP/1.1\r\nHost: faults\r\nContent-Type: text/plain\r\nContent-Length: "
                + body.length()
                + "\r\nConnection: close\r\n\r\n"
                + body)
            .getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    String ending;
    try (Socket socket = new Socket()) {
      socket.setTcpNoDelay(true);
      int connectMs = (int) Math.max(1, Math.min(2_000, remainingMs(until)));
      socket.connect(new InetSocketAddress(target.host(), target.port()), connectMs);
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      while (true) {
        long left = remainingMs(until);
        if (left <= 0) {
          ending = "deadline";
          break;
        }
        socket.setSoTimeout((int) left);
        int n;
        try {
          n = in.read(buffer);
        } catch (SocketTimeoutException timeout) {
          ending = "deadline";
          break;
        }
        if (n < 0) {
          ending = "eof";
          break;
        }
        received.write(buffer, 0, n);
      }
    } catch (ConnectException e) {
      return new Exchange(id, startMs, sinceMs(start), "refused", 0, "");
    } catch (SocketTimeoutException e) {
      // Only connect() throws it here: the connect itself found nobody before the deadline.
      return new Exchange(id, startMs, sinceMs(start), "connect-timeout", 0, "");
    } catch (SocketException e) {
      return judge(id, startMs, start, received.toByteArray(), "reset");
    } catch (IOException e) {
      return new Exchange(id, startMs, sinceMs(start), "io-error " + e.getMessage(), 0, "");
    }
    return judge(id, startMs, start, received.toByteArray(), ending);
  }

  /** Counts the HTTP responses in what the connection carried and checks the one reply. */
  private Exchange judge(long id, long startMs, long start, byte[] bytes, String ending) {
    long took = sinceMs(start);
    List<Parsed> responses = new ArrayList<>();
    int at = 0;
    boolean garbage = false;
    while (at < bytes.length) {
      Parsed parsed = Parsed.at(bytes, at);
      if (parsed == null) {
        garbage = true;
        break;
      }
      responses.add(parsed);
      at = parsed.end();
    }
    if (responses.size() > 1) {
      return new Exchange(id, startMs, took, "duplicate", responses.size(), "");
    }
    if (garbage) {
      // Bytes that do not make a whole response: cut off by a reset, or no HTTP at all.
      String result =
          "deadline".equals(ending) ? "no-response" : "reset".equals(ending) ? "reset" : "garbage";
      return new Exchange(id, startMs, took, result, responses.size(), "");
    }
    if (responses.isEmpty()) {
      String result =
          switch (ending) {
            case "deadline" -> "no-response";
            case "reset" -> "reset";
            default -> "closed";
          };
      return new Exchange(id, startMs, took, result, 0, "");
    }
    Parsed response = responses.get(0);
    String servedBy = response.headers().getOrDefault("x-served-by", "");
    if (response.status() == 200
        && !response.body().equals(replyPrefix + ("f" + id).toUpperCase(Locale.ROOT))) {
      return new Exchange(id, startMs, took, "wrong-body", 1, servedBy);
    }
    return new Exchange(id, startMs, took, Integer.toString(response.status()), 1, servedBy);
  }

  private static long remainingMs(long until) {
    return TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
  }

  private static long sinceMs(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  /** One whole response at an offset: status line, headers, a {@code Content-Length} body. */
  private record Parsed(int status, Map<String, String> headers, String body, int end) {
    static Parsed at(byte[] bytes, int from) {
      String text = new String(bytes, from, bytes.length - from, StandardCharsets.ISO_8859_1);
      int headEnd = text.indexOf("\r\n\r\n");
      if (!text.startsWith("HTTP/1.") || headEnd < 0) {
        return null;
      }
      String[] lines = text.substring(0, headEnd).split("\r\n");
      String[] statusLine = lines[0].split(" ", 3);
      if (statusLine.length < 2) {
        return null;
      }
      int status;
      try {
        status = Integer.parseInt(statusLine[1]);
      } catch (NumberFormatException e) {
        return null;
      }
      Map<String, String> headers = new TreeMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.put(
              lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
              lines[i].substring(colon + 1).trim());
        }
      }
      int bodyStart = headEnd + 4;
      int length;
      try {
        length = Integer.parseInt(headers.getOrDefault("content-length", "-1"));
      } catch (NumberFormatException e) {
        return null;
      }
      if (length < 0) {
        // Without a length the body runs to the connection's end (HAProxy's own error pages
        // carry one; so does every SparkPlug reply).
        length = text.length() - bodyStart;
      }
      if (bodyStart + length > text.length()) {
        return null;
      }
      return new Parsed(
          status,
          headers,
          text.substring(bodyStart, bodyStart + length),
          from + bodyStart + length);
    }
  }

  @Override
  public void close() {
    Thread thread = pacer;
    if (thread != null) {
      thread.interrupt();
    }
    clients.shutdownNow();
  }
}
