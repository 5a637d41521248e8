package io.sparkplug.http.server;

import io.sparkplug.http.config.ServiceOptions;

/**
 * The settings that belong to a listening socket rather than to one service: every service that
 * shares a port must agree on them.
 */
record ServerSettings(
    String host,
    int port,
    int maxInitialLineLength,
    int maxHeaderBytes,
    long readTimeoutMs,
    long idleTimeoutMs) {

  static ServerSettings of(ServiceOptions options, String host) {
    return new ServerSettings(
        host,
        options.port(),
        options.maxInitialLineLength(),
        options.maxHeaderBytes(),
        options.readTimeoutMs(),
        options.idleTimeoutMs());
  }

  /** The first option on which two services of one port disagree, or null. */
  String firstDifference(ServerSettings other) {
    if (!host.equals(other.host)) {
      return ServiceOptions.HOST_CONFIG;
    }
    if (maxInitialLineLength != other.maxInitialLineLength) {
      return ServiceOptions.MAX_INITIAL_LINE_CONFIG;
    }
    if (maxHeaderBytes != other.maxHeaderBytes) {
      return ServiceOptions.MAX_HEADER_BYTES_CONFIG;
    }
    if (readTimeoutMs != other.readTimeoutMs) {
      return ServiceOptions.READ_TIMEOUT_CONFIG;
    }
    if (idleTimeoutMs != other.idleTimeoutMs) {
      return ServiceOptions.IDLE_TIMEOUT_CONFIG;
    }
    return null;
  }
}
