package io.sparkplug.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One Compose project of {@code docker/compose.yaml} driven through the {@code docker/sparkplug}
 * CLI, as a user drives it, plus the engine's own CLI ({@code podman} or {@code docker}) for what a
 * user would look at with it: the project's containers, networks and volumes, and a container to
 * kill. Every command runs with a deadline; its output is kept under {@code calls/} in the state
 * directory.
 */
final class ComposeStack {
  private final Path cli;
  private final Path state;
  private final String project;
  private final String engine;
  private final Map<String, String> environment;
  private final AtomicInteger calls = new AtomicInteger();

  /** The result of one command: its exit status and what it printed. */
  record Result(int exit, String out, String err) {
    boolean ok() {
      return exit == 0;
    }
  }

  ComposeStack(Path cli, Path state, String project, String engine, Map<String, String> settings) {
    if (!Files.isExecutable(cli)) {
      throw new IllegalStateException("no executable CLI at " + cli);
    }
    this.cli = cli;
    this.state = state;
    this.project = project;
    this.engine = engine;
    Map<String, String> env = new HashMap<>(settings);
    env.put("COMPOSE_PROJECT_NAME", project);
    env.put("SPARKPLUG_ENGINE", engine);
    env.put("SPARKPLUG_COMPOSE_STATE", state.toString());
    env.put("SPARKPLUG_APPS_DIR", state.resolve("apps").toString());
    this.environment = Map.copyOf(env);
  }

  /**
   * The engine that runs containers here: {@code SPARKPLUG_ENGINE} when set, else Docker when its
   * daemon answers with Compose v2, else podman when it and docker-compose are installed; empty
   * when there is none.
   */
  static Optional<String> detectEngine() {
    String wanted = System.getenv("SPARKPLUG_ENGINE");
    if (wanted != null && !wanted.isBlank() && !wanted.equals("auto")) {
      return Optional.of(wanted);
    }
    if (succeeds("docker", "info", "--format", "{{.ServerVersion}}")
        && succeeds("docker", "compose", "version")) {
      return Optional.of("docker");
    }
    if (succeeds("podman", "--version") && succeeds("docker-compose", "version")) {
      return Optional.of("podman");
    }
    return Optional.empty();
  }

  String project() {
    return project;
  }

  String engine() {
    return engine;
  }

  Path state() {
    return state;
  }

  /** {@code docker/sparkplug ARGS}; fails the caller when it overruns or exits non-zero. */
  Result sparkplug(Duration timeout, String... args) {
    Result result = sparkplugMayFail(timeout, args);
    if (!result.ok()) {
      throw new AssertionError(
          "sparkplug "
              + String.join(" ", args)
              + " failed with exit "
              + result.exit()
              + "\n"
              + tail(result.err(), 60));
    }
    return result;
  }

  Result sparkplugMayFail(Duration timeout, String... args) {
    List<String> command = new ArrayList<>();
    command.add(cli.toString());
    command.addAll(List.of(args));
    return run(timeout, command);
  }

  /**
   * The engine's CLI ({@code podman ...} or {@code docker ...}). For podman it reads the same
   * storage as the API service the stack runs on, with the same settings.
   */
  Result engineCommand(Duration timeout, String... args) {
    List<String> command = new ArrayList<>();
    command.add(engine);
    command.addAll(List.of(args));
    return run(timeout, command);
  }

  /** IDs of this project's containers of {@code service} (stopped ones too when {@code all}). */
  List<String> containers(String service, boolean all) {
    List<String> args = new ArrayList<>(List.of("ps", "-q", "--no-trunc"));
    if (all) {
      args.add("-a");
    }
    args.addAll(List.of("--filter", "label=com.docker.compose.project=" + project));
    if (service != null) {
      args.addAll(List.of("--filter", "label=com.docker.compose.service=" + service));
    }
    return lines(engineCommand(Duration.ofSeconds(60), args.toArray(String[]::new)));
  }

  /** The container of {@code service} that Compose numbered {@code number}. */
  String container(String service, int number) {
    Result result =
        engineCommand(
            Duration.ofSeconds(60),
            "ps",
            "-q",
            "--no-trunc",
            "--filter",
            "label=com.docker.compose.project=" + project,
            "--filter",
            "label=com.docker.compose.service=" + service,
            "--filter",
            "label=com.docker.compose.container-number=" + number);
    List<String> ids = lines(result);
    if (ids.size() != 1) {
      throw new AssertionError(service + " #" + number + " is not one container: " + ids);
    }
    return ids.get(0);
  }

  /** Names of this project's networks and volumes that still exist. */
  List<String> leftovers() {
    List<String> left = new ArrayList<>();
    for (String id : containers(null, true)) {
      left.add("container " + id);
    }
    for (String kind : List.of("network", "volume")) {
      Result result =
          engineCommand(
              Duration.ofSeconds(60),
              kind,
              "ls",
              "-q",
              "--filter",
              "label=com.docker.compose.project=" + project);
      for (String name : lines(result)) {
        left.add(kind + " " + name);
      }
    }
    return left;
  }

  /**
   * The podman API service the CLI started and recorded ({@code podman-service.pid}), when it is
   * still alive.
   */
  Optional<ProcessHandle> recordedService() {
    Path file = state.resolve("podman-service.pid");
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      String pid = Files.readString(file).trim().split("\\s+")[0];
      return ProcessHandle.of(Long.parseLong(pid))
          .filter(ProcessHandle::isAlive)
          .filter(p -> p.info().commandLine().map(c -> c.contains("system service")).orElse(false));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Result run(Duration timeout, List<String> command) {
    Path calls = state.resolve("calls");
    String label =
        String.format(
            "%03d-%s",
            this.calls.incrementAndGet(),
            String.join("-", command.subList(1, Math.min(3, command.size())))
                .replaceAll("[^A-Za-z0-9.-]", "_"));
    Path out = calls.resolve(label + ".out");
    Path err = calls.resolve(label + ".err");
    try {
      Files.createDirectories(calls);
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      builder.environment().putAll(environment);
      if (engine.equals("podman")) {
        builder.environment().putIfAbsent("CONTAINERS_CONF", containersConf().toString());
      }
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        // The CLI only waits itself; what it started is stopped by `down` and by its record.
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly();
        }
        throw new AssertionError(
            String.join(" ", command) + " overran " + timeout + "\n" + tail(read(err), 60));
      }
      return new Result(process.exitValue(), read(out), read(err));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    }
  }

  private Path containersConf() {
    return cli.getParent().resolve("podman").resolve("containers.conf");
  }

  private static boolean succeeds(String... command) {
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return false;
      }
      return process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static List<String> lines(Result result) {
    if (!result.ok()) {
      throw new AssertionError("engine command failed (" + result.exit() + "): " + result.err());
    }
    return result.out().lines().map(String::trim).filter(line -> !line.isEmpty()).toList();
  }

  private static String read(Path file) throws IOException {
    return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
  }

  static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }
}
