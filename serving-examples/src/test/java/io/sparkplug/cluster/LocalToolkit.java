package io.sparkplug.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs {@code docker/local/sparkplug-local} commands against one state directory and reads what
 * they record there. The scripts are the single implementation of starting and stopping the stack;
 * this class only calls them and reads their {@code run/<name>.pid} and {@code .env} files.
 */
final class LocalToolkit {
  private final Path script;
  private final Path state;
  private final Map<String, String> environment;
  private final AtomicInteger calls = new AtomicInteger();

  LocalToolkit(Path script, Path state, Map<String, String> environment) {
    if (!Files.isExecutable(script)) {
      throw new IllegalStateException("no executable toolkit at " + script);
    }
    this.script = script;
    this.state = state;
    this.environment = Map.copyOf(environment);
  }

  Path state() {
    return state;
  }

  /**
   * Runs one command and returns the {@code key=value} lines it printed. Its output is kept under
   * {@code toolkit/} in the state directory; a failure or an overrun throws with its stderr.
   */
  Map<String, String> run(Duration timeout, String... args) {
    return run(timeout, Map.of(), args);
  }

  /** As above, with {@code extra} added to the command's environment (and to what it starts). */
  Map<String, String> run(Duration timeout, Map<String, String> extra, String... args) {
    Path calls = state.resolve("toolkit");
    String label =
        String.format("%03d-%s", this.calls.incrementAndGet(), String.join("-", head(args)));
    Path out = calls.resolve(label + ".out");
    Path err = calls.resolve(label + ".err");
    List<String> command = new ArrayList<>();
    command.add(script.toString());
    command.addAll(List.of(args));
    try {
      Files.createDirectories(calls);
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      builder.environment().put("SPARKPLUG_STATE", state.toString());
      builder.environment().putAll(environment);
      builder.environment().putAll(extra);
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        // The script itself only waits; what it started is recorded and stopped by close().
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
        throw new IllegalStateException(
            "sparkplug-local " + String.join(" ", args) + " overran " + timeout + "\n" + tail(err));
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            "sparkplug-local "
                + String.join(" ", args)
                + " failed with exit "
                + process.exitValue()
                + "\n"
                + tail(err));
      }
      return keyValues(Files.readAllLines(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running sparkplug-local", e);
    }
  }

  /** The live process recorded under {@code name}, if the record names one. */
  Optional<ProcessHandle> recorded(String name) {
    Path file = state.resolve("run").resolve(name + ".pid");
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      String pid = Files.readString(file).trim().split("\\s+")[0];
      // ProcessHandle remembers the start time and refuses to signal a later process that
      // reused the PID, so holding on to this handle is safe.
      return ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The facts recorded for a component ({@code run/<name>.env}), empty when none. */
  Map<String, String> facts(String name) {
    Path file = state.resolve("run").resolve(name + ".env");
    try {
      return Files.isRegularFile(file) ? keyValues(Files.readAllLines(file)) : Map.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path logFile(String name) {
    return state.resolve("logs").resolve(name + ".log");
  }

  static String tail(Path file) {
    return tail(file, 40);
  }

  static String tail(Path file, int lines) {
    try {
      if (!Files.isRegularFile(file)) {
        return "(no " + file + ")";
      }
      List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")";
    }
  }

  private static List<String> head(String[] args) {
    List<String> words = new ArrayList<>();
    for (String arg : args) {
      if (arg.startsWith("-") || words.size() == 3) {
        break;
      }
      words.add(arg.replaceAll("[^A-Za-z0-9.]", "_"));
    }
    return words;
  }

  private static Map<String, String> keyValues(List<String> lines) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : lines) {
      int equals = line.indexOf('=');
      if (equals > 0) {
        values.put(line.substring(0, equals), line.substring(equals + 1));
      }
    }
    return values;
  }
}
