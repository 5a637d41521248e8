package io.sparkplug.http.sink;

import io.sparkplug.http.cluster.JvmAddress;
import io.sparkplug.http.cluster.JvmAddresses;
import io.sparkplug.http.cluster.ReplyForwarder;
import io.sparkplug.http.reply.Reply;
import io.sparkplug.http.reply.ReplyDispatcher;
import io.sparkplug.http.reply.ReplyTarget.Outcome;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The one reply path of both writers ({@link HttpDataWriter} and {@link ReplyWriter}): a reply
 * whose client is connected to this JVM is handed to its service here; any other is forwarded to
 * the JVM whose address this JVM knows for the id's instance.
 */
final class ReplySender {
  private ReplySender() {}

  /**
   * Sends one reply. The outcome is complete at once when it was decided in this JVM, and completes
   * when the destination answers when the reply was forwarded.
   *
   * @param shipped addresses a batch's writer factory carries, consulted before what this JVM
   *     learnt
   */
  static CompletableFuture<Outcome> send(String id, Reply reply, Map<String, JvmAddress> shipped) {
    Outcome outcome = ReplyDispatcher.deliver(id, reply);
    if (outcome == Outcome.UNROUTABLE) {
      JvmAddress address = JvmAddresses.forId(id, shipped);
      if (address != null) {
        return ReplyForwarder.forward(address, id, reply);
      }
    }
    return CompletableFuture.completedFuture(outcome);
  }
}
