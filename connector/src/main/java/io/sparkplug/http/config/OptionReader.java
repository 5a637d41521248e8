package io.sparkplug.http.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.network.util.JavaUtils;

/** Reads typed values out of a case-insensitive option map, naming the option on every error. */
final class OptionReader {
  private final Map<String, String> options;

  OptionReader(Map<String, String> options) {
    this.options = options;
  }

  String raw(String key) {
    String value = options.get(key);
    if (value == null) {
      // Spark hands options over case-insensitively; plain maps from tests may not be.
      for (Map.Entry<String, String> e : options.entrySet()) {
        if (e.getKey().equalsIgnoreCase(key)) {
          return e.getValue();
        }
      }
    }
    return value;
  }

  String string(String key, String defaultValue) {
    String value = raw(key);
    return value == null || value.isBlank() ? defaultValue : value.trim();
  }

  int intInRange(String key, int defaultValue, int min, int max) {
    String value = raw(key);
    if (value == null) {
      return defaultValue;
    }
    long parsed;
    try {
      parsed = Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw invalid(key, value, "must be a whole number");
    }
    if (parsed < min || parsed > max) {
      throw invalid(key, value, "must be between " + min + " and " + max);
    }
    return (int) parsed;
  }

  /** One port of a range such as {@code 9090-9099}; the message quotes the whole value. */
  static int portNumber(String key, String whole, String part) {
    try {
      int value = Integer.parseInt(part.trim());
      if (value >= 1 && value <= 65_535) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(
        key, whole, "must be a port (1-65535) or, in mode 'executor', a range such as 9090-9099");
  }

  int requiredIntInRange(String key, int min, int max) {
    if (raw(key) == null) {
      throw new IllegalArgumentException(
          "sparkplug-http: option '"
              + key
              + "' is required (a number from "
              + min
              + " to "
              + max
              + ")");
    }
    return intInRange(key, 0, min, max);
  }

  /** A duration such as {@code 30s}, {@code 500ms} or {@code 2min}; a bare number is millis. */
  long positiveMillis(String key, String defaultValue) {
    String value = raw(key);
    String text = value == null ? defaultValue : value.trim();
    long millis;
    try {
      millis = JavaUtils.timeStringAsMs(text);
    } catch (RuntimeException e) {
      throw invalid(key, value, "must be a duration such as 30s or 500ms");
    }
    if (millis <= 0) {
      throw invalid(key, value, "must be positive");
    }
    return millis;
  }

  /** A size such as {@code 1m}, {@code 64k} or a bare number of bytes. */
  long positiveBytes(String key, String defaultValue) {
    String value = raw(key);
    String text = value == null ? defaultValue : value.trim();
    long bytes;
    try {
      bytes = JavaUtils.byteStringAsBytes(text);
    } catch (RuntimeException e) {
      throw invalid(key, value, "must be a size such as 1m, 64k or 1048576");
    }
    if (bytes <= 0) {
      throw invalid(key, value, "must be positive");
    }
    return bytes;
  }

  /** A path to a file this process can read, or null when unset. */
  String readableFile(String key) {
    String value = raw(key);
    if (value == null) {
      return null;
    }
    Path file = Path.of(value.trim());
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw invalid(key, value, "must name a readable file");
    }
    return file.toString();
  }

  String lowerCaseChoice(String key, String defaultValue, String... allowed) {
    String value = string(key, defaultValue).toLowerCase(Locale.ROOT);
    for (String choice : allowed) {
      if (choice.equals(value)) {
        return value;
      }
    }
    throw invalid(key, raw(key), "must be one of " + String.join(", ", allowed));
  }

  static IllegalArgumentException invalid(String key, String value, String rule) {
    return new IllegalArgumentException(
        "sparkplug-http: invalid value '" + value + "' for option '" + key + "': " + rule);
  }
}
