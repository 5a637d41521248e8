package io.sparkplug.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code --name value} pairs with typed, range-checked getters. Every failure names the option so a
 * typo in a benchmark script is reported instead of silently running the wrong load.
 */
final class Arguments {
  private final Map<String, List<String>> values;

  private Arguments(Map<String, List<String>> values) {
    this.values = values;
  }

  static Arguments parse(String[] args, Set<String> known) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      String name = args[i];
      if (!known.contains(name)) {
        throw new InvalidArgumentException(name, "unknown option (known: " + known + ")");
      }
      if (i + 1 >= args.length) {
        throw new InvalidArgumentException(name, "missing value");
      }
      values.computeIfAbsent(name, n -> new ArrayList<>()).add(args[i + 1]);
    }
    return new Arguments(values);
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  /** The last value given for a single-valued option. */
  Optional<String> string(String name) {
    List<String> given = values.get(name);
    return given == null ? Optional.empty() : Optional.of(given.get(given.size() - 1));
  }

  /** Every value of a repeatable option, in command-line order. */
  List<String> all(String name) {
    return values.getOrDefault(name, List.of());
  }

  int integer(String name, int defaultValue, int min, int max) {
    Optional<String> raw = string(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    int value;
    try {
      value = Integer.parseInt(raw.get().trim());
    } catch (NumberFormatException e) {
      throw new InvalidArgumentException(name, "not an integer: '" + raw.get() + "'");
    }
    if (value < min || value > max) {
      throw new InvalidArgumentException(name, "must be between " + min + " and " + max);
    }
    return value;
  }

  /** A finite number in {@code [min, max]}, or above {@code min} when {@code minExclusive}. */
  double decimal(String name, double defaultValue, double min, boolean minExclusive, double max) {
    Optional<String> raw = string(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    double value;
    try {
      value = Double.parseDouble(raw.get().trim());
    } catch (NumberFormatException e) {
      throw new InvalidArgumentException(name, "not a number: '" + raw.get() + "'");
    }
    boolean belowMin = minExclusive ? value <= min : value < min;
    if (Double.isNaN(value) || belowMin || value > max) {
      String lower = (minExclusive ? "> " : ">= ") + min;
      throw new InvalidArgumentException(name, "must be " + lower + " and <= " + max);
    }
    return value;
  }
}
