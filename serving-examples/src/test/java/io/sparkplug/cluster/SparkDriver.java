package io.sparkplug.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A driver started with {@code spark-submit} in client mode: the SparkSubmit JVM runs the
 * application's {@code main}, so its PID is the driver's.
 */
public final class SparkDriver {
  private final String name;
  private final long pid;
  private final Optional<ProcessHandle> process;
  private final Path log;

  SparkDriver(String name, long pid, Optional<ProcessHandle> process, Path log) {
    this.name = name;
    this.pid = pid;
    this.process = process;
    this.log = log;
  }

  public String name() {
    return name;
  }

  public long pid() {
    return pid;
  }

  /** The driver's stdout and stderr. */
  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.map(ProcessHandle::isAlive).orElse(false);
  }

  public boolean logContains(String text) {
    try {
      return Files.isRegularFile(log)
          && Files.readString(log, StandardCharsets.ISO_8859_1).contains(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String logTail(int lines) {
    return LocalToolkit.tail(log, lines);
  }

  /**
   * Waits until the driver accepts connections on {@code host:port}; fails at once, with the end of
   * its log, if the driver exits first.
   */
  public void awaitListening(String host, int port, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!FreePorts.listening(host, port)) {
      if (!isAlive()) {
        throw new IllegalStateException(
            name + " (pid " + pid + ") exited before serving:\n" + logTail(60));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            name
                + " does not listen on "
                + host
                + ":"
                + port
                + " after "
                + timeout
                + ":\n"
                + logTail(60));
      }
      Thread.sleep(100);
    }
  }
}
