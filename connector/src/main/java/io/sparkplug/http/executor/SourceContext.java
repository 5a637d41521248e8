package io.sparkplug.http.executor;

import io.sparkplug.http.cluster.JvmAddress;
import io.sparkplug.http.config.ServiceOptions;
import java.io.Serializable;

/**
 * What an executor needs to run and report its share of one executor-mode source: the source's
 * options, a key naming this run of the source, and the address of the driver's internal endpoint
 * (which carries the run's secret). Shipped inside tasks; printing it never shows the secret.
 */
public final class SourceContext implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final ServiceOptions options;
  private final JvmAddress driver;
  private final boolean localMaster;

  public SourceContext(String key, ServiceOptions options, JvmAddress driver, boolean localMaster) {
    this.key = key;
    this.options = options;
    this.driver = driver;
    this.localMaster = localMaster;
  }

  String key() {
    return key;
  }

  ServiceOptions options() {
    return options;
  }

  JvmAddress driver() {
    return driver;
  }

  /** A {@code local} master: the one "executor" is the driver's JVM, serving on loopback. */
  boolean localMaster() {
    return localMaster;
  }

  @Override
  public String toString() {
    return "sparkplug-http source " + key + " (driver endpoint " + driver + ")";
  }
}
