package io.sparkplug.bench;

/** A command-line argument that is unknown, missing its value or out of range. */
public final class InvalidArgumentException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String argument;

  InvalidArgumentException(String argument, String problem) {
    super(argument + ": " + problem);
    this.argument = argument;
  }

  /** The offending option, for example {@code --rate}. */
  public String argument() {
    return argument;
  }
}
