package io.sparkplug.http.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Checks {@code Authorization: Bearer <token>} headers without leaking timing or the token. */
final class BearerTokens {
  private static final String SCHEME = "Bearer ";

  private BearerTokens() {}

  /** True when {@code authorization} is {@code Bearer <expected>}; constant time in the token. */
  static boolean matches(String authorization, String expected) {
    if (authorization == null
        || authorization.length() <= SCHEME.length()
        || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return false;
    }
    byte[] given = authorization.substring(SCHEME.length()).trim().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(given, expected.getBytes(StandardCharsets.UTF_8));
  }
}
