package io.sparkplug.http.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkplug.http.Http;
import io.sparkplug.http.TestSpark;
import io.sparkplug.http.cluster.JvmAddress;
import io.sparkplug.http.metrics.RepliesDelivered;
import io.sparkplug.http.metrics.RepliesDropped;
import io.sparkplug.http.metrics.RepliesUnroutable;
import io.sparkplug.http.reply.RequestId;
import io.sparkplug.http.rows.ReplySchema;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.ObjectInputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The promise of {@link HttpDataWriter#commit()} for replies whose clients another JVM holds: it
 * returns only once the destination acknowledged every forwarded reply, with the destination's
 * outcomes counted; it fails the task when no acknowledgement comes in time; and replies for a JVM
 * that is gone are counted unroutable. The other JVM is a real one ({@link ForwardingPeer}), with
 * the real service, internal endpoint and secret, whose endpoint holds each forwarded call until
 * the test lets it answer; the writer forwards with the real {@code ReplyForwarder}.
 */
@Timeout(120)
class ForwardedRepliesTest {
  private static final StructType REPLIES =
      new StructType().add("id", DataTypes.StringType).add("body", DataTypes.StringType);
  private static final Duration LINE_WAIT = Duration.ofSeconds(60);

  private Peer peer;

  @AfterEach
  void stopPeer() throws InterruptedException {
    if (peer != null) {
      peer.kill();
    }
  }

  @Test
  void commitReturnsOnlyOnceTheDestinationAcknowledgedEveryForwardedReply() throws Exception {
    peer = Peer.start();
    Map<String, CompletableFuture<HttpResponse<String>>> clients = peer.requests("a", "b", "c");
    Map<String, String> ids = peer.ids;
    HttpDataWriter writer = peer.writer(Duration.ofSeconds(60));
    // The first reply leaves at once; the rest queue behind it and leave together once it is
    // acknowledged. The last one answers "a" again: the destination drops it.
    writer.write(row(ids.get("a"), "re: a"));
    writer.write(row(ids.get("b"), "re: b"));
    writer.write(row(ids.get("c"), "re: c"));
    writer.write(row(ids.get("a"), "re: a, again"));
    CompletableFuture<WriterCommitMessage> commit = commitAsync(writer);

    peer.await("HELD");
    assertFalse(commit.isDone(), "commit returned while the first call was unacknowledged");
    peer.ack();
    assertEquals("re: a", clients.get("a").get(30, TimeUnit.SECONDS).body());
    peer.await("HELD");
    assertFalse(commit.isDone(), "commit returned while the second call was unacknowledged");
    assertFalse(clients.get("b").isDone());
    peer.ack();

    assertEquals(new ReplyCounts(3, 1, 0), commit.get(30, TimeUnit.SECONDS));
    assertEquals(
        Map.of(RepliesDelivered.NAME, 3L, RepliesDropped.NAME, 1L, RepliesUnroutable.NAME, 0L),
        metrics(writer));
    for (String body : List.of("b", "c")) {
      HttpResponse<String> response = clients.get(body).get(30, TimeUnit.SECONDS);
      assertEquals(200, response.statusCode());
      assertEquals("re: " + body, response.body());
    }
  }

  @Test
  void commitFailsTheTaskWhenTheDestinationNeverAcknowledges() throws Exception {
    peer = Peer.start();
    peer.requests("never");
    Duration wait = Duration.ofSeconds(2);
    HttpDataWriter writer = peer.writer(wait);
    writer.write(row(peer.ids.get("never"), "re: never"));
    peer.await("HELD");
    long start = System.nanoTime();
    IOException failure = assertThrows(IOException.class, writer::commit);
    long waitedNanos = System.nanoTime() - start;
    assertEquals("sparkplug-http: forwarded replies were not acknowledged", failure.getMessage());
    assertInstanceOf(TimeoutException.class, failure.getCause());
    // It waited for the acknowledgement, up to its limit (less the moment the call took to arrive).
    assertTrue(
        waitedNanos >= wait.toNanos() - TimeUnit.MILLISECONDS.toNanos(500),
        "commit gave up after " + TimeUnit.NANOSECONDS.toMillis(waitedNanos) + " ms");
  }

  @Test
  void repliesForAJvmThatIsGoneAreCountedUnroutableAfterTheAttempts() throws Exception {
    peer = Peer.start();
    Map<String, CompletableFuture<HttpResponse<String>>> clients = peer.requests("x", "y");
    HttpDataWriter writer = peer.writer(Duration.ofSeconds(60));
    peer.kill();
    // Its clients saw their connections fail with it.
    for (CompletableFuture<HttpResponse<String>> client : clients.values()) {
      ExecutionException failed =
          assertThrows(ExecutionException.class, () -> client.get(30, TimeUnit.SECONDS));
      assertInstanceOf(IOException.class, failed.getCause());
    }

    writer.write(row(peer.ids.get("x"), "re: x"));
    writer.write(row(peer.ids.get("y"), "re: y"));

    assertEquals(new ReplyCounts(0, 0, 2), writer.commit());
    assertEquals(
        Map.of(RepliesDelivered.NAME, 0L, RepliesDropped.NAME, 0L, RepliesUnroutable.NAME, 2L),
        metrics(writer));
  }

  private static GenericInternalRow row(String id, String body) {
    return new GenericInternalRow(
        new Object[] {UTF8String.fromString(id), UTF8String.fromString(body)});
  }

  private static CompletableFuture<WriterCommitMessage> commitAsync(HttpDataWriter writer) {
    CompletableFuture<WriterCommitMessage> commit = new CompletableFuture<>();
    Thread committer =
        new Thread(
            () -> {
              try {
                commit.complete(writer.commit());
              } catch (Throwable e) {
                commit.completeExceptionally(e);
              }
            },
            "test-commit");
    committer.setDaemon(true);
    committer.start();
    return commit;
  }

  private static Map<String, Long> metrics(HttpDataWriter writer) {
    Map<String, Long> values = new LinkedHashMap<>();
    for (CustomTaskMetric metric : writer.currentMetricsValues()) {
      values.put(metric.name(), metric.value());
    }
    return values;
  }

  /** The other JVM, driven over its stdin and stdout. */
  private static final class Peer {
    private final Process process;
    private final Writer stdin;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final int port;
    private JvmAddress address;
    private String instance;

    /** Request ids by request body, in the order they arrived. */
    final Map<String, String> ids = new LinkedHashMap<>();

    private Peer(Process process, int port) {
      this.process = process;
      this.port = port;
      this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader out =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith("PEER ")) {
                      lines.add(line.substring(5));
                    }
                  }
                } catch (IOException e) {
                  // the peer is gone
                }
              },
              "peer-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    static Peer start() throws Exception {
      int port = TestSpark.freePort();
      String classPath = System.getProperty("surefire.test.class.path");
      if (classPath == null) {
        classPath = System.getProperty("java.class.path");
      }
      Process process =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx256m",
                  "-cp",
                  classPath,
                  ForwardingPeer.class.getName(),
                  Integer.toString(port))
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      Peer peer = new Peer(process, port);
      String ready = peer.await("READY ");
      try (ObjectInputStream in =
          new ObjectInputStream(
              new ByteArrayInputStream(
                  Base64.getDecoder().decode(ready.substring("READY ".length()))))) {
        peer.address = (JvmAddress) in.readObject();
      }
      return peer;
    }

    /** Sends requests with these bodies to the peer's service and waits until it accepted them. */
    Map<String, CompletableFuture<HttpResponse<String>>> requests(String... bodies)
        throws InterruptedException {
      Map<String, CompletableFuture<HttpResponse<String>>> clients = new LinkedHashMap<>();
      for (String body : bodies) {
        clients.put(body, Http.postAsync(port, "/", body));
      }
      for (int i = 0; i < bodies.length; i++) {
        String[] request = await("REQUEST ").split(" ", 3);
        ids.put(request[2], request[1]);
        instance = RequestId.instanceOf(request[1]);
      }
      return clients;
    }

    /** A writer in this JVM that knows the peer's address, as a batch's writer factory would. */
    HttpDataWriter writer(Duration forwardWait) {
      return new HttpDataWriter(
          ReplySchema.of(REPLIES), null, Map.of(instance, address), forwardWait);
    }

    /** The next line, which must start with {@code prefix}. */
    String await(String prefix) throws InterruptedException {
      String line = lines.poll(LINE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (line == null) {
        throw new AssertionError(
            "the peer said nothing in " + LINE_WAIT + " (alive: " + process.isAlive() + ")");
      }
      assertTrue(line.startsWith(prefix), "expected " + prefix + "..., the peer said " + line);
      return line;
    }

    /** Lets one held call be answered. */
    void ack() throws IOException {
      stdin.write("ack\n");
      stdin.flush();
    }

    void kill() throws InterruptedException {
      process.destroyForcibly();
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the peer did not exit");
    }
  }
}
