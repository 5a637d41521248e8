package io.sparkplug.http.reply;

/** Something in this JVM that holds client connections and can hand them their replies. */
public interface ReplyTarget {

  /** What became of one reply. */
  enum Outcome {
    /** Written to the waiting client. */
    DELIVERED,
    /** The request was already answered (timeout, duplicate, client gone): dropped and counted. */
    DROPPED,
    /** No service in this JVM holds the id. */
    UNROUTABLE
  }

  Outcome deliver(long sequence, Reply reply);
}
