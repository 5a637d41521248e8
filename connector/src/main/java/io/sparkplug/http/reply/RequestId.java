package io.sparkplug.http.reply;

import java.security.SecureRandom;

/**
 * Correlation ids: {@code <instance>-<sequence>}, where the instance names the service object that
 * holds the client's connection and the sequence numbers its requests. Instance names are random,
 * so ids of a restarted query never match a reply meant for an earlier run.
 */
public final class RequestId {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final int INSTANCE_LENGTH = 12;

  private RequestId() {}

  /** A fresh random instance name: 12 characters of [0-9a-z], about 62 bits. */
  public static String newInstance() {
    char[] name = new char[INSTANCE_LENGTH];
    for (int i = 0; i < name.length; i++) {
      name[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    return new String(name);
  }

  public static String format(String instance, long sequence) {
    return instance + '-' + Long.toString(sequence, 36);
  }

  /** The instance part of an id, or null when the id is not one of ours. */
  public static String instanceOf(String id) {
    int dash = id.lastIndexOf('-');
    return dash == INSTANCE_LENGTH ? id.substring(0, dash) : null;
  }

  /** The sequence part of an id, or -1 when the id is not one of ours. */
  public static long sequenceOf(String id) {
    int dash = id.lastIndexOf('-');
    if (dash != INSTANCE_LENGTH || dash == id.length() - 1) {
      return -1;
    }
    try {
      return Long.parseLong(id, dash + 1, id.length(), 36);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
