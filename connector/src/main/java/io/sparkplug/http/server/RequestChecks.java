package io.sparkplug.http.server;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.sparkplug.http.config.ServiceOptions;
import io.sparkplug.http.reply.Reply;

/**
 * The checks a request passes before any of its body is read: pure functions from a decoded request
 * head to the {@link Rejection} it gets, or null when it passes. The connection handler runs {@link
 * #head} first, then answers the server's own endpoints, then runs {@link #forService} with the
 * options of the service the path names.
 */
final class RequestChecks {
  /** Why a request was refused: the counter of {@link ServerRejections} it adds to. */
  enum Reason {
    BAD_REQUEST,
    URI_TOO_LONG,
    HEADERS_TOO_LARGE,
    BODY_TOO_LARGE,
    NOT_FOUND,
    METHOD_NOT_ALLOWED,
    READ_TIMEOUT,
    UNAUTHORIZED
  }

  /** The error reply a refused request gets (it always closes the connection), and why. */
  record Rejection(Reply reply, Reason reason) {
    static Rejection of(int status, String message, Reason reason) {
      return new Rejection(Reply.error(status, message, true), reason);
    }
  }

  static final Rejection NOT_FOUND = Rejection.of(404, "Not Found", Reason.NOT_FOUND);
  static final Rejection BODY_TOO_LARGE =
      Rejection.of(413, "Content Too Large", Reason.BODY_TOO_LARGE);
  static final Rejection READ_TIMEOUT = Rejection.of(408, "Request Timeout", Reason.READ_TIMEOUT);
  static final Rejection UNAUTHORIZED =
      new Rejection(
          Reply.error(401, "Unauthorized", true)
              .withHeader("WWW-Authenticate", "Bearer realm=\"sparkplug-http\""),
          Reason.UNAUTHORIZED);

  private RequestChecks() {}

  /** The path of a request target: everything before the query string. */
  static String path(String uri) {
    int query = uri.indexOf('?');
    return query < 0 ? uri : uri.substring(0, query);
  }

  /**
   * What every request must be, whatever it asks for: decoded, with a {@code Host} in HTTP/1.1, a
   * path as its target, and one framing for its body.
   */
  static Rejection head(HttpRequest request) {
    if (request.decoderResult().isFailure()) {
      return malformed(request.decoderResult().cause());
    }
    if (request.protocolVersion().equals(HttpVersion.HTTP_1_1)
        && !request.headers().contains(HttpHeaderNames.HOST)) {
      return Rejection.of(400, "Bad Request: missing Host header", Reason.BAD_REQUEST);
    }
    if (!path(request.uri()).startsWith("/")) {
      return Rejection.of(
          400, "Bad Request: the request target must be a path", Reason.BAD_REQUEST);
    }
    HttpHeaders headers = request.headers();
    if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING)
        && (headers.contains(HttpHeaderNames.CONTENT_LENGTH)
            || !headers
                .get(HttpHeaderNames.TRANSFER_ENCODING)
                .trim()
                .equalsIgnoreCase("chunked"))) {
      // Two framings for one body is how requests get smuggled past proxies: refuse it.
      return Rejection.of(
          400,
          "Bad Request: Transfer-Encoding must be chunked alone, without Content-Length",
          Reason.BAD_REQUEST);
    }
    return null;
  }

  /**
   * What the service the path names admits: {@code service} null (no such service) is 404; then the
   * bearer token, the method, a declared length over the body limit and any expectation other than
   * {@code 100-continue}.
   */
  static Rejection forService(HttpRequest request, ServiceOptions service) {
    if (service == null) {
      return NOT_FOUND;
    }
    String token = service.authToken();
    if (token != null
        && !BearerTokens.matches(request.headers().get(HttpHeaderNames.AUTHORIZATION), token)) {
      return UNAUTHORIZED;
    }
    if (!service.admits(request.method().name())) {
      return new Rejection(
          Reply.error(405, "Method Not Allowed", true).withHeader("Allow", service.allowHeader()),
          Reason.METHOD_NOT_ALLOWED);
    }
    if (HttpUtil.getContentLength(request, -1L) > service.maxBodyBytes()) {
      return BODY_TOO_LARGE;
    }
    if (request.headers().contains(HttpHeaderNames.EXPECT)
        && !HttpUtil.is100ContinueExpected(request)) {
      return Rejection.of(417, "Expectation Failed", Reason.BAD_REQUEST);
    }
    return null;
  }

  /** A decoder failure: the request line or the header block was too long, or not HTTP. */
  static Rejection malformed(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return Rejection.of(414, "URI Too Long", Reason.URI_TOO_LONG);
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return Rejection.of(431, "Request Header Fields Too Large", Reason.HEADERS_TOO_LARGE);
    }
    return Rejection.of(400, "Bad Request", Reason.BAD_REQUEST);
  }
}
