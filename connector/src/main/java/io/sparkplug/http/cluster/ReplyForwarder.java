package io.sparkplug.http.cluster;

import io.sparkplug.http.reply.Reply;
import io.sparkplug.http.reply.ReplyTarget.Outcome;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends replies to the JVM whose server holds their clients. One lane per destination: while a call
 * is in flight, further replies queue and leave together in the next call, so a lone reply costs
 * one round trip and a busy lane sends large batches. Each reply's future completes with what the
 * destination did with it.
 *
 * <p>A destination that cannot be reached after a few quick attempts held its clients' connections
 * in a JVM that is gone; those replies are reported {@link Outcome#UNROUTABLE} rather than failing
 * the task, since no retry could deliver them.
 */
public final class ReplyForwarder {
  private static final Logger LOG = LoggerFactory.getLogger(ReplyForwarder.class);
  public static final String PATH = "/-/internal/replies";
  private static final int ATTEMPTS = 3;
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
  private static final int MAX_BATCH = 4096;
  private static final ConcurrentHashMap<JvmAddress, Lane> LANES = new ConcurrentHashMap<>();

  private ReplyForwarder() {}

  public static CompletableFuture<Outcome> forward(JvmAddress address, String id, Reply reply) {
    return LANES.computeIfAbsent(address, Lane::new).add(new Wire.Addressed(id, reply));
  }

  /** The destination's side: hands each reply of a call to its local service. */
  public static ControlServer.Response receive(byte[] body) throws IOException {
    List<Wire.Addressed> replies = Wire.decodeReplies(body);
    byte[] outcomes = new byte[replies.size()];
    for (int i = 0; i < outcomes.length; i++) {
      Wire.Addressed addressed = replies.get(i);
      outcomes[i] =
          (byte)
              io.sparkplug.http.reply.ReplyDispatcher.deliver(addressed.id(), addressed.reply())
                  .ordinal();
    }
    return ControlServer.Response.ok(outcomes);
  }

  private static final class Lane {
    private final JvmAddress address;
    private final ArrayList<Wire.Addressed> queued = new ArrayList<>();
    private final ArrayList<CompletableFuture<Outcome>> waiting = new ArrayList<>();
    private boolean sending;

    Lane(JvmAddress address) {
      this.address = address;
    }

    CompletableFuture<Outcome> add(Wire.Addressed reply) {
      CompletableFuture<Outcome> outcome = new CompletableFuture<>();
      synchronized (this) {
        queued.add(reply);
        waiting.add(outcome);
        if (sending) {
          return outcome;
        }
        sending = true;
      }
      sendQueued();
      return outcome;
    }

    private void sendQueued() {
      List<Wire.Addressed> batch;
      List<CompletableFuture<Outcome>> futures;
      synchronized (this) {
        if (queued.isEmpty()) {
          sending = false;
          return;
        }
        int size = Math.min(queued.size(), MAX_BATCH);
        batch = new ArrayList<>(queued.subList(0, size));
        futures = new ArrayList<>(waiting.subList(0, size));
        queued.subList(0, size).clear();
        waiting.subList(0, size).clear();
      }
      send(Wire.encodeReplies(batch), futures, 1);
    }

    private void send(byte[] body, List<CompletableFuture<Outcome>> futures, int attempt) {
      ControlClient.post(address, PATH, body, CALL_TIMEOUT)
          .whenComplete(
              (response, error) -> {
                if (error == null && response.statusCode() == 200) {
                  complete(futures, response);
                  sendQueued();
                } else if (attempt < ATTEMPTS && (error != null || response.statusCode() >= 500)) {
                  send(body, futures, attempt + 1);
                } else {
                  LOG.warn(
                      "sparkplug-http: {} replies could not be forwarded to {} ({}): their clients"
                          + " were connected to a JVM that is gone",
                      futures.size(),
                      address,
                      error != null ? error.toString() : "status " + response.statusCode());
                  futures.forEach(f -> f.complete(Outcome.UNROUTABLE));
                  sendQueued();
                }
              });
    }

    private static void complete(
        List<CompletableFuture<Outcome>> futures, HttpResponse<byte[]> response) {
      byte[] outcomes = response.body();
      Outcome[] values = Outcome.values();
      for (int i = 0; i < futures.size(); i++) {
        futures.get(i).complete(i < outcomes.length ? values[outcomes[i]] : Outcome.UNROUTABLE);
      }
    }
  }
}
