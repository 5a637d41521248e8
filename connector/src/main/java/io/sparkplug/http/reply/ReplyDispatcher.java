package io.sparkplug.http.reply;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands each reply to the service instance named by its id. Services in this JVM register here
 * while they run; a reply whose instance is not here is unroutable.
 */
public final class ReplyDispatcher {
  private static final ConcurrentHashMap<String, ReplyTarget> LOCAL = new ConcurrentHashMap<>();

  private ReplyDispatcher() {}

  public static void register(String instance, ReplyTarget target) {
    LOCAL.put(instance, target);
  }

  public static void unregister(String instance) {
    LOCAL.remove(instance);
  }

  public static ReplyTarget.Outcome deliver(String id, Reply reply) {
    String instance = RequestId.instanceOf(id);
    long sequence = RequestId.sequenceOf(id);
    ReplyTarget target = instance == null ? null : LOCAL.get(instance);
    if (target == null || sequence < 0) {
      return ReplyTarget.Outcome.UNROUTABLE;
    }
    return target.deliver(sequence, reply);
  }
}
