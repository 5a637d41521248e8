package io.sparkplug.http.cluster;

import java.io.Serializable;

/**
 * How to reach the control endpoint of the JVM that holds a service: its address and the secret
 * that JVM expects. The secret is redacted from {@link #toString()}.
 */
public final class JvmAddress implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String host;
  private final int port;
  private final Secret secret;

  public JvmAddress(String host, int port, Secret secret) {
    this.host = host;
    this.port = port;
    this.secret = secret;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public Secret secret() {
    return secret;
  }

  /** Addresses are equal when they name the same endpoint; the secret goes with the endpoint. */
  @Override
  public boolean equals(Object other) {
    return other instanceof JvmAddress address && address.host.equals(host) && address.port == port;
  }

  @Override
  public int hashCode() {
    return host.hashCode() * 31 + port;
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
