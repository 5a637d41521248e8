package io.sparkplug.http.config;

/** Where a source's server runs: the values of option {@value ServiceOptions#MODE_CONFIG}. */
public enum Mode {
  /** One server on the driver; batches ship its requests to the executors. The default. */
  DRIVER("driver"),
  /** One server in every executor, behind a load balancer; no request passes the driver. */
  EXECUTOR("executor");

  private final String optionValue;

  Mode(String optionValue) {
    this.optionValue = optionValue;
  }

  /** What the user writes: {@code .option("mode", "executor")}. */
  public String optionValue() {
    return optionValue;
  }

  /** The mode an option value names, ignoring case; null when it names none. */
  static Mode ofOptionValue(String value) {
    for (Mode mode : values()) {
      if (mode.optionValue.equalsIgnoreCase(value)) {
        return mode;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return optionValue;
  }
}
