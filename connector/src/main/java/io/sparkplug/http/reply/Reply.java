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

  /** The media type of every error reply the connector itself sends (RFC 9457). */
  public static final String PROBLEM_JSON = "application/problem+json";

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

  /**
   * An error reply of the connector's own: an RFC 9457 problem document {@code
   * {"type":"about:blank","title":"<reason phrase>","status":N,"detail":"<message>"}}. It never
   * carries internal detail such as stack traces.
   */
  public static Reply error(int status, String message, boolean closeConnection) {
    String json =
        "{\"type\":\"about:blank\",\"title\":\""
            + jsonText(reasonPhrase(status))
            + "\",\"status\":"
            + status
            + ",\"detail\":\""
            + jsonText(message)
            + "\"}";
    return problem(status, json.getBytes(StandardCharsets.UTF_8), closeConnection);
  }

  /** An error reply whose problem document is already written. */
  public static Reply problem(int status, byte[] json, boolean closeConnection) {
    return new Reply(status, null, null, json, PROBLEM_JSON, closeConnection);
  }

  /** The reason phrase of RFC 9110 for the statuses the connector sends. */
  public static String reasonPhrase(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 408 -> "Request Timeout";
      case 410 -> "Gone";
      case 413 -> "Content Too Large";
      case 414 -> "URI Too Long";
      case 415 -> "Unsupported Media Type";
      case 417 -> "Expectation Failed";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "HTTP " + status;
    };
  }

  /** {@code text} as the inside of a JSON string. */
  static String jsonText(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
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
