package io.sparkplug.http.server;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

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

  /**
   * The record of a decoded request whose whole body has arrived; {@code method} is the one the row
   * shows (a {@code HEAD} the service admits as a {@code GET} shows {@code GET}).
   */
  static RequestRecord of(
      String id, HttpRequest request, String method, byte[] bytes, long receivedAtMicros) {
    String uri = request.uri();
    int query = uri.indexOf('?');
    HttpHeaders headers = request.headers();
    Map<String, String> joined = new LinkedHashMap<>(headers.size() * 2);
    for (Map.Entry<String, String> header : headers) {
      joined.merge(
          header.getKey().toLowerCase(Locale.ROOT), header.getValue(), RequestRecord::join);
    }
    return new RequestRecord(
        id,
        method,
        query < 0 ? uri : uri.substring(0, query),
        query < 0 ? "" : uri.substring(query + 1),
        joined.keySet().toArray(new String[0]),
        joined.values().toArray(new String[0]),
        bytes,
        receivedAtMicros);
  }

  private static String join(String first, String second) {
    return first + ", " + second;
  }
}
