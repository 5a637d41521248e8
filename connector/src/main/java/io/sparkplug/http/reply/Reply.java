package io.sparkplug.http.reply;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One HTTP reply: a status, optional headers and a body. Built by the sink from a reply row, or by
 * the server for the error replies it owes a client (timeouts, rejections, failures).
 */
public final class Reply {
  private static final String[] NO_HEADERS = new String[0];
  public static final String TEXT_PLAIN = "text/plain; charset=utf-8";
  public static final String OCTET_STREAM = "application/octet-stream";

  private final int status;
  private final String[] headerNames;
  private final String[] headerValues;
  private final byte[] body;
  private final String defaultContentType;
  private final boolean closeConnection;

  public Reply(
      int status,
      String[] headerNames,
      String[] headerValues,
      byte[] body,
      String defaultContentType,
      boolean closeConnection) {
    this.status = status;
    this.headerNames = headerNames == null ? NO_HEADERS : headerNames;
    this.headerValues = headerValues == null ? NO_HEADERS : headerValues;
    this.body = body == null ? new byte[0] : body;
    this.defaultContentType = defaultContentType;
    this.closeConnection = closeConnection;
  }

  /** A short plain-text error reply; never carries internal detail such as stack traces. */
  public static Reply error(int status, String message, boolean closeConnection) {
    return new Reply(
        status,
        null,
        null,
        (message + "\n").getBytes(StandardCharsets.UTF_8),
        TEXT_PLAIN,
        closeConnection);
  }

  /** The same reply with one extra header. */
  public Reply withHeader(String name, String value) {
    String[] names = Arrays.copyOf(headerNames, headerNames.length + 1);
    String[] values = Arrays.copyOf(headerValues, headerValues.length + 1);
    names[headerNames.length] = name;
    values[headerValues.length] = value;
    return new Reply(status, names, values, body, defaultContentType, closeConnection);
  }

  public int status() {
    return status;
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

  /** Content type used unless the headers set one. */
  public String defaultContentType() {
    return defaultContentType;
  }

  public boolean closeConnection() {
    return closeConnection;
  }
}
