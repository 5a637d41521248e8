package io.sparkplug.http.server;

import io.sparkplug.http.config.ServiceOptions;
import java.util.Objects;

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
    long idleTimeoutMs,
    int maxConnections,
    int maxPipelinedRequests,
    String tlsCertFile,
    String tlsKeyFile,
    String tlsKeyPassword,
    String tlsClientCaFile) {

  static ServerSettings of(ServiceOptions options, String host, int port) {
    return new ServerSettings(
        host,
        port,
        options.maxInitialLineLength(),
        options.maxHeaderBytes(),
        options.readTimeoutMs(),
        options.idleTimeoutMs(),
        options.maxConnections(),
        options.maxPipelinedRequests(),
        options.tlsCertFile(),
        options.tlsKeyFile(),
        options.tlsKeyPassword(),
        options.tlsClientCaFile());
  }

  boolean tls() {
    return tlsCertFile != null;
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
    if (maxConnections != other.maxConnections) {
      return ServiceOptions.MAX_CONNECTIONS_CONFIG;
    }
    if (maxPipelinedRequests != other.maxPipelinedRequests) {
      return ServiceOptions.MAX_PIPELINED_CONFIG;
    }
    if (!Objects.equals(tlsCertFile, other.tlsCertFile)
        || !Objects.equals(tlsKeyFile, other.tlsKeyFile)
        || !Objects.equals(tlsKeyPassword, other.tlsKeyPassword)) {
      return ServiceOptions.TLS_CERT_FILE_CONFIG;
    }
    if (!Objects.equals(tlsClientCaFile, other.tlsClientCaFile)) {
      return ServiceOptions.TLS_CLIENT_CA_FILE_CONFIG;
    }
    return null;
  }

  @Override
  public String toString() {
    // A record would print the key password.
    return "port " + port + (tls() ? " (TLS)" : "");
  }
}
