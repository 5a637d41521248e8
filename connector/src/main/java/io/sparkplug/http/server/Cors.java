package io.sparkplug.http.server;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.sparkplug.http.config.ServiceOptions;
import io.sparkplug.http.reply.Reply;

/**
 * {@code OPTIONS} and CORS, answered by the server without the query: a preflight from an origin of
 * {@code corsOrigins} gets 204 with the {@code Access-Control-*} headers; any other {@code OPTIONS}
 * gets 204 with {@code Allow} and no CORS headers. Replies to allowed origins carry {@code
 * Access-Control-Allow-Origin} and {@code Vary: Origin} ({@link Responses}).
 */
final class Cors {
  /** How long a browser may cache a preflight answer, in seconds. */
  static final String MAX_AGE_SECONDS = "600";

  private static final String DEFAULT_ALLOW_HEADERS = "Authorization, Content-Type";

  private Cors() {}

  /** True for a request the server answers itself: an OPTIONS the service does not admit. */
  static boolean answersOptions(HttpRequest request, ServiceOptions service) {
    return request.method().equals(HttpMethod.OPTIONS) && !service.admits("OPTIONS");
  }

  /**
   * The 204 answer to {@code OPTIONS} for a service path; {@code allowMethods} names the methods of
   * the path, and {@code allowedOrigin} is the origin to name (or null: no CORS headers).
   */
  static Reply options(HttpRequest request, String allowMethods, String allowedOrigin) {
    Reply reply = new Reply(204, null, null, null, null, false).withHeader("Allow", allowMethods);
    HttpHeaders headers = request.headers();
    if (allowedOrigin == null || !headers.contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD)) {
      return reply;
    }
    String requested = headers.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
    String allowHeaders =
        requested == null || requested.isBlank() || !isTokenList(requested)
            ? DEFAULT_ALLOW_HEADERS
            : requested.trim();
    return reply
        .withHeader("Access-Control-Allow-Origin", allowedOrigin)
        .withHeader("Access-Control-Allow-Methods", allowMethods)
        .withHeader("Access-Control-Allow-Headers", allowHeaders)
        .withHeader("Access-Control-Max-Age", MAX_AGE_SECONDS)
        .withHeader(
            "Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  }

  /** The origin a reply to this request names, or null: the request's origin if allowed. */
  static String allowedOrigin(HttpRequest request, ServiceOptions service) {
    return service.corsAllowedOrigin(request.headers().get(HttpHeaderNames.ORIGIN));
  }

  /** As {@link #allowedOrigin} for the server's own endpoints: an origin any service allows. */
  static String allowedOrigin(HttpRequest request, HttpService[] services) {
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    for (HttpService service : services) {
      String allowed = service.options().corsAllowedOrigin(origin);
      if (allowed != null) {
        return allowed;
      }
    }
    return null;
  }

  /** Header names separated by commas: echoed only when they are plain tokens. */
  private static boolean isTokenList(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == ',' || c == ' ')) {
        return false;
      }
    }
    return true;
  }
}
