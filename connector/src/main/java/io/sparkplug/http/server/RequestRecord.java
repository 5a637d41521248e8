package io.sparkplug.http.server;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.sparkplug.http.config.PathTemplate;
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
  private static final String[] NONE = new String[0];

  private final String id;
  private final String method;
  private final String path;
  private final String query;
  private final String[] headerNames;
  private final String[] headerValues;
  private final byte[] body;
  private final long receivedAtMicros;

  /** The typed body as {@code UnsafeRow} bytes, when the service has a request schema; or null. */
  private final byte[] request;

  /** The {@code params} column: path template values and decoded query parameters. */
  private final String[] paramNames;

  private final String[] paramValues;

  /** Fields of the {@code request} struct (what wraps {@link #request}); 0 without a schema. */
  private final int requestFields;

  public RequestRecord(
      String id,
      String method,
      String path,
      String query,
      String[] headerNames,
      String[] headerValues,
      byte[] body,
      long receivedAtMicros) {
    this(
        id,
        method,
        path,
        query,
        headerNames,
        headerValues,
        body,
        receivedAtMicros,
        NONE,
        NONE,
        null,
        0);
  }

  public RequestRecord(
      String id,
      String method,
      String path,
      String query,
      String[] headerNames,
      String[] headerValues,
      byte[] body,
      long receivedAtMicros,
      String[] paramNames,
      String[] paramValues,
      byte[] request,
      int requestFields) {
    this.id = id;
    this.method = method;
    this.path = path;
    this.query = query;
    this.headerNames = headerNames;
    this.headerValues = headerValues;
    this.body = body;
    this.receivedAtMicros = receivedAtMicros;
    this.paramNames = paramNames == null ? NONE : paramNames;
    this.paramValues = paramValues == null ? NONE : paramValues;
    this.request = request;
    this.requestFields = requestFields;
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

  /** The validated, typed body ({@code UnsafeRow} bytes), or null without a request schema. */
  public byte[] request() {
    return request;
  }

  public String[] paramNames() {
    return paramNames;
  }

  public String[] paramValues() {
    return paramValues;
  }

  public int requestFields() {
    return requestFields;
  }

  /**
   * The record of a decoded request whose whole body has arrived; {@code method} is the one the row
   * shows (a {@code HEAD} the service admits as a {@code GET} shows {@code GET}).
   */
  static RequestRecord of(
      String id,
      PathTemplate template,
      HttpRequest request,
      String method,
      byte[] bytes,
      long receivedAtMicros,
      byte[] typed,
      int typedFields) {
    String uri = request.uri();
    int query = uri.indexOf('?');
    HttpHeaders headers = request.headers();
    Map<String, String> joined = new LinkedHashMap<>(headers.size() * 2);
    for (Map.Entry<String, String> header : headers) {
      joined.merge(
          header.getKey().toLowerCase(Locale.ROOT), header.getValue(), RequestRecord::join);
    }
    String path = query < 0 ? uri : uri.substring(0, query);
    String rawQuery = query < 0 ? "" : uri.substring(query + 1);
    Map<String, String> params = params(template, path, rawQuery);
    return new RequestRecord(
        id,
        method,
        path,
        rawQuery,
        joined.keySet().toArray(NONE),
        joined.values().toArray(NONE),
        bytes,
        receivedAtMicros,
        params.isEmpty() ? NONE : params.keySet().toArray(NONE),
        params.isEmpty() ? NONE : params.values().toArray(NONE),
        typed,
        typedFields);
  }

  /**
   * The {@code params} of a request: each query parameter decoded (form encoding: {@code +} is a
   * space; a repeated name joins its values with {@code ,}; a name without {@code =} has the value
   * ""), then the path template's values, which win over a query parameter of the same name.
   */
  static Map<String, String> params(PathTemplate template, String path, String rawQuery) {
    if (rawQuery.isEmpty() && template.literal()) {
      return Map.of();
    }
    Map<String, String> params = new LinkedHashMap<>();
    if (!rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&")) {
        int equals = pair.indexOf('=');
        String name = PathTemplate.decode(equals < 0 ? pair : pair.substring(0, equals), true);
        if (name.isEmpty()) {
          continue;
        }
        String value = equals < 0 ? "" : PathTemplate.decode(pair.substring(equals + 1), true);
        params.merge(name, value, (first, second) -> first + "," + second);
      }
    }
    if (!template.literal()) {
      String[] names = template.parameterNames();
      String[] values = template.values(PathTemplate.segments(path));
      for (int i = 0; i < names.length; i++) {
        params.put(names[i], values[i]);
      }
    }
    return params;
  }

  private static String join(String first, String second) {
    return first + ", " + second;
  }
}
