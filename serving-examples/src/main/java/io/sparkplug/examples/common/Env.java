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
