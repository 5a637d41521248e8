package io.sparkplug.http.cluster;

import java.io.Serializable;

/**
 * How to reach the control endpoint of the JVM that holds a service: its address and the secret
 * that JVM expects. The secret is redacted from {@link #toString()}.
 */
public final class Route implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String host;
  private final int port;
  private final Secret secret;

  public Route(String host, int port, Secret secret) {
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

  /** Routes are equal when they name the same endpoint; the secret goes with the endpoint. */
  @Override
  public boolean equals(Object other) {
    return other instanceof Route route && route.host.equals(host) && route.port == port;
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
