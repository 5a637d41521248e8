package io.sparkplug.examples.common;

import java.util.Map;

/**
 * Typed settings from environment variables. Services call {@link #system()}; tests pass a map, so
 * the same parsing runs in both and no test depends on the developer's environment.
 */
public record Env(Map<String, String> vars) {
  public static Env system() {
    return new Env(System.getenv());
  }

  /** The trimmed value, or {@code fallback} when the variable is unset or blank. */
  public String string(String name, String fallback) {
    String value = vars.get(name);
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  public int integer(String name, int fallback, int min, int max) {
    String value = string(name, null);
    if (value == null) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(name, value, "an integer from " + min + " to " + max);
  }

  /**
   * A TCP port, or with {@code rangeAllowed} also a range {@code first-last}; returns {@code
   * {first, last}} (the same port twice for a single port).
   */
  public int[] ports(String name, int fallback, boolean rangeAllowed) {
    String value = string(name, null);
    if (value == null) {
      return new int[] {fallback, fallback};
    }
    String[] bounds = value.split("-", -1);
    if (bounds.length <= (rangeAllowed ? 2 : 1)) {
      try {
        int first = Integer.parseInt(bounds[0].trim());
        int last = Integer.parseInt(bounds[bounds.length - 1].trim());
        if (first >= 1 && first <= last && last <= 65535) {
          return new int[] {first, last};
        }
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw invalid(
        name,
        value,
        rangeAllowed
            ? "a port from 1 to 65535 or a range such as 9090-9099"
            : "a port from 1 to 65535");
  }

  public double decimal(String name, double fallback, double min, double max) {
    String value = string(name, null);
    if (value == null) {
      return fallback;
    }
    try {
      double parsed = Double.parseDouble(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(name, value, "a number from " + min + " to " + max);
  }

  /** One of {@code allowed}, compared case-insensitively; returned in lower case. */
  public String choice(String name, String fallback, String... allowed) {
    String value = string(name, fallback).toLowerCase(java.util.Locale.ROOT);
    for (String option : allowed) {
      if (option.equals(value)) {
        return value;
      }
    }
    throw invalid(name, value, "one of " + String.join(", ", allowed));
  }

  private static IllegalArgumentException invalid(String name, String value, String expected) {
    return new IllegalArgumentException(
        "environment variable " + name + "='" + value + "' must be " + expected);
  }
}
