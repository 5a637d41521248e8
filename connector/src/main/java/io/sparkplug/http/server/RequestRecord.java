package io.sparkplug.http.server;

import java.io.Serializable;

/**
 * One accepted request as the query sees it: the fields of a request row, already normalised
 * (lower-case header names, repeated headers joined). Shipped to executors inside input partitions.
 */
public final class RequestRecord implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String id;
  private final String method;
  private final String path;
  private final String query;
  private final String[] headerNames;
  private final String[] headerValues;
  private final byte[] body;
  private final long receivedAtMicros;

  public RequestRecord(
      String id,
      String method,
      String path,
      String query,
      String[] headerNames,
      String[] headerValues,
      byte[] body,
      long receivedAtMicros) {
    this.id = id;
    this.method = method;
    this.path = path;
    this.query = query;
    this.headerNames = headerNames;
    this.headerValues = headerValues;
    this.body = body;
    this.receivedAtMicros = receivedAtMicros;
  }

  public String id() {
    return id;
  }

  public String method() {
    return method;
  }

  public String path() {
    return path;
  }

  public String query() {
    return query;
  }

  public String[] headerNames() {
    return headerNames;
  }

  public String[] headerValues() {
    return headerValues;
  }

  public byte[] body() {
    return body;
  }

  public long receivedAtMicros() {
    return receivedAtMicros;
  }
}
