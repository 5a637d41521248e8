package io.sparkplug.http.cluster;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The per-source secret that authenticates every internal call (replies, registrations, reads).
 * Created on the driver, shipped to executors inside tasks, compared in constant time, and never
 * printed: {@link #toString()} is redacted so that a log line or an error cannot leak it.
 */
public final class Secret implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The HTTP header internal calls carry it in. */
  public static final String HEADER = "X-Sparkplug-Secret";

  private final String value;

  private Secret(String value) {
    this.value = value;
  }

  /** 256 random bits. */
  public static Secret random() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return new Secret(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
  }

  /** The value to send; only the internal client may call this. */
  String headerValue() {
    return value;
  }

  /** Constant-time comparison with what a caller presented; false for null. */
  public boolean matches(String presented) {
    if (presented == null) {
      return false;
    }
    return MessageDigest.isEqual(
        value.getBytes(StandardCharsets.US_ASCII), presented.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public String toString() {
    return "Secret[redacted]";
  }
}
