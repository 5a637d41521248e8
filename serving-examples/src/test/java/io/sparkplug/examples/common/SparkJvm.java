package io.sparkplug.examples.common;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The start of a command line for a Spark JVM a test starts itself. */
public final class SparkJvm {
  private SparkJvm() {}

  /**
   * This JVM's {@code java} and the add-opens flags Spark needs (the build passes them as {@code
   * sparkplug.spark.jvm.flags}), followed by {@code args}; a mutable list.
   */
  public static List<String> command(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String flag : System.getProperty("sparkplug.spark.jvm.flags", "").split("\\s+")) {
      if (!flag.isBlank()) {
        command.add(flag);
      }
    }
    command.addAll(args);
    return command;
  }
}
