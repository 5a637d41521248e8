package io.sparkplug.http.server;

import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.Timeout;
import io.sparkplug.http.reply.Reply;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One request that is owed exactly one response. Whoever completes it first (the query's reply, the
 * deadline, a rejection, a shutdown) wins; every later attempt is refused, which is how duplicate
 * and late replies are dropped.
 */
final class Exchange {
  private static final AtomicIntegerFieldUpdater<Exchange> DONE =
      AtomicIntegerFieldUpdater.newUpdater(Exchange.class, "done");

  final long sequence;

  /** The service the request was admitted to; null for error replies owed before admission. */
  final HttpService service;

  final ConnectionHandler connection;
  final boolean keepAlive;
  final HttpVersion version;

  /** A HEAD request: its response carries the headers of a GET and no body. */
  final boolean head;

  final long acceptedNanos;

  /**
   * The origin named in the response's {@code Access-Control-Allow-Origin} ({@code corsOrigins});
   * null for none. Set on the event loop before the exchange is answered.
   */
  String corsOrigin;

  /**
   * With {@code protocol=oip}: the inference request's {@code id} (null when it had none) and the
   * outputs it asked for (null for all). Set on the event loop before admission.
   */
  String oipClientId;

  java.util.List<String> oipOutputs;

  private volatile int done;
  private volatile Reply reply;
  private volatile Timeout deadline;

  Exchange(
      long sequence,
      HttpService service,
      ConnectionHandler connection,
      boolean keepAlive,
      HttpVersion version,
      boolean head) {
    this.sequence = sequence;
    this.service = service;
    this.connection = connection;
    this.keepAlive = keepAlive;
    this.version = version;
    this.head = head;
    this.acceptedNanos = System.nanoTime();
  }

  void setDeadline(Timeout deadline) {
    this.deadline = deadline;
    if (done != 0) {
      deadline.cancel();
    }
  }

  /** Claims the right to answer; true exactly once. */
  boolean claim() {
    if (!DONE.compareAndSet(this, 0, 1)) {
      return false;
    }
    Timeout t = deadline;
    if (t != null) {
      t.cancel();
    }
    return true;
  }

  /** After a successful {@link #claim()}: hands the reply to the connection for writing. */
  void respond(Reply response) {
    this.reply = response;
    connection.replyReady();
  }

  /** The response to write, or null while the reply is still owed. */
  Reply reply() {
    return reply;
  }
}
