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
    UNAUTHORIZED,
    UNSUPPORTED_MEDIA_TYPE,
    INVALID_BODY
  }

  /** The error reply a refused request gets (it always closes the connection), and why. */
  record Rejection(Reply reply, Reason reason) {
    static Rejection of(int status, String message, Reason reason) {
      return new Rejection(Reply.error(status, message, true), reason);
    }
  }

  /** The same refusal with the Open Inference Protocol's error object as its body. */
  static Rejection asOip(Rejection rejection) {
    return new Rejection(
        io.sparkplug.http.oip.OipDocuments.fromProblem(rejection.reply()), rejection.reason());
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

  /** The methods RFC 9110 and RFC 5789 define: others, unless a service allows them, get 501. */
  private static final java.util.Set<String> STANDARD_METHODS =
      java.util.Set.of(
          "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

  private RequestChecks() {}

  /** The path of a request target: everything before the query string. */
  static String path(String uri) {
    int query = uri.indexOf('?');
    return query < 0 ? uri : uri.substring(0, query);
  }

  /**
   * What every request must be, whatever it asks for (RFC 9112): decoded; HTTP/1.0 or 1.1; a method
   * that is a token; a target in origin-form (or absolute-form, rewritten here to origin-form, or
   * {@code *} for {@code OPTIONS}) of URI characters only; exactly one valid {@code Host} in
   * HTTP/1.1; and one unambiguous framing for its body. Looks at the head only, without copying it.
   */
  static Rejection head(HttpRequest request) {
    if (request.decoderResult().isFailure()) {
      return malformed(request.decoderResult().cause());
    }
    HttpVersion version = request.protocolVersion();
    // Netty returns its constants only for the exact text "HTTP/1.1" and "HTTP/1.0"; any other
    // version (lower case, two digits, 1.2, 2.0) is a new instance.
    boolean http10 = version == HttpVersion.HTTP_1_0;
    if (version != HttpVersion.HTTP_1_1 && !http10) {
      Rejection refused = otherVersion(version);
      if (refused != null) {
        return refused;
      }
    }
    String method = request.method().name();
    if (!isToken(method)) {
      return BAD_METHOD;
    }
    if (method.equals("CONNECT")) {
      return NOT_IMPLEMENTED;
    }
    String uri = request.uri();
    if (uri.equals("*")) {
      if (!method.equals("OPTIONS")) {
        return BAD_TARGET;
      }
    } else if (!uri.startsWith("/")) {
      String origin = originForm(uri);
      if (origin == null) {
        return BAD_TARGET;
      }
      // The absolute-form names the resource; the Host field is still required but ignored.
      request.setUri(origin);
    } else if (!isTarget(uri)) {
      return BAD_TARGET;
    }
    HttpHeaders headers = request.headers();
    Rejection host = host(headers, http10);
    if (host != null) {
      return host;
    }
    if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
      return transferEncoding(headers, http10);
    }
    return null;
  }

  private static final Rejection BAD_METHOD =
      Rejection.of(400, "Bad Request: the method is not a token", Reason.BAD_REQUEST);
  private static final Rejection BAD_TARGET =
      Rejection.of(
          400,
          "Bad Request: the request target must be a path of URI characters",
          Reason.BAD_REQUEST);
  private static final Rejection NOT_IMPLEMENTED =
      Rejection.of(501, "Not Implemented", Reason.BAD_REQUEST);
  private static final Rejection BAD_HOST =
      Rejection.of(
          400,
          "Bad Request: exactly one Host header with a host name is required",
          Reason.BAD_REQUEST);
  private static final Rejection BAD_FRAMING =
      Rejection.of(
          400,
          "Bad Request: Transfer-Encoding must be chunked alone, without Content-Length",
          Reason.BAD_REQUEST);

  /** A version other than exactly HTTP/1.1 or HTTP/1.0: null when it is served as HTTP/1.1. */
  private static Rejection otherVersion(HttpVersion version) {
    if (version.majorVersion() != 1) {
      return Rejection.of(505, "HTTP Version Not Supported", Reason.BAD_REQUEST);
    }
    // "http/1.1" (the name is case-sensitive) and "HTTP/1.10" are not HTTP-version syntax.
    if (version.minorVersion() <= 1 || version.minorVersion() > 9) {
      return Rejection.of(400, "Bad Request: malformed HTTP version", Reason.BAD_REQUEST);
    }
    return null;
  }

  /**
   * The origin-form of an absolute-form target ({@code http://host/path?query}), or null when the
   * target is not one (authority-form and anything else are refused).
   */
  static String originForm(String uri) {
    int colon = uri.indexOf("://");
    if (colon < 0) {
      return null;
    }
    String scheme = uri.substring(0, colon);
    if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
      return null;
    }
    int authority = colon + 3;
    int end = authority;
    while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?') {
      end++;
    }
    if (end == authority || !isHost(uri, authority, end)) {
      return null;
    }
    String rest = uri.substring(end);
    String origin = rest.isEmpty() || rest.charAt(0) == '?' ? "/" + rest : rest;
    return isTarget(origin) ? origin : null;
  }

  /**
   * True when every character of an origin-form target may appear there: printable US-ASCII other
   * than space and {@code " # < > \ `}. Controls, NUL, DEL and raw bytes outside US-ASCII (such as
   * overlong UTF-8) are refused; a fragment never belongs in a request. {@code { } | ^ [ ]} are
   * accepted, as many clients send them unencoded in query strings.
   */
  static boolean isTarget(String uri) {
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == '"' || c == '#' || c == '<' || c == '>' || c == '\\'
          || c == '`') {
        return false;
      }
    }
    return true;
  }

  /** RFC 9112 3.2: exactly one Host in HTTP/1.1 (at most one in HTTP/1.0), uri-host [":" port]. */
  private static Rejection host(HttpHeaders headers, boolean http10) {
    String host = headers.get(HttpHeaderNames.HOST);
    if (host == null) {
      return http10
          ? null
          : Rejection.of(400, "Bad Request: missing Host header", Reason.BAD_REQUEST);
    }
    if (headers.getAll(HttpHeaderNames.HOST).size() != 1 || !isHost(host, 0, host.length())) {
      return BAD_HOST;
    }
    return null;
  }

  /**
   * uri-host [":" port] in {@code s[from, to)}: an IP-literal in brackets or a non-empty reg-name
   * (unreserved, percent-encoded and sub-delims characters), then an optional port of digits.
   */
  static boolean isHost(String s, int from, int to) {
    int i = from;
    if (i < to && s.charAt(i) == '[') {
      while (++i < to && s.charAt(i) != ']') {
        char c = s.charAt(i);
        if (!(isHexDigit(c) || c == ':' || c == '.')) {
          return false;
        }
      }
      if (i >= to || i == from + 1) {
        return false;
      }
      i++;
    } else {
      int start = i;
      while (i < to && s.charAt(i) != ':') {
        char c = s.charAt(i);
        if (!(isAlphaNum(c) || "-._~%!$&'()*+,;=".indexOf(c) >= 0)) {
          return false;
        }
        i++;
      }
      if (i == start) {
        return false;
      }
    }
    if (i == to) {
      return true;
    }
    if (s.charAt(i) != ':' || to - i - 1 > 5) {
      return false;
    }
    for (i++; i < to; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * RFC 9112 6.1 and 6.3: the body is chunked exactly once, chunked is the only coding (a coding we
   * do not implement before it is 501), no {@code Content-Length} beside it, and never in HTTP/1.0.
   * Anything else is 400: two framings for one body is how requests get smuggled past proxies.
   * Lists with empty elements are refused too, though RFC 9110 5.6.1 would let us skip them,
   * because proxies disagree on them.
   */
  private static Rejection transferEncoding(HttpHeaders headers, boolean http10) {
    if (http10 || headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      return BAD_FRAMING;
    }
    java.util.List<String> values = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (values.size() != 1) {
      return BAD_FRAMING;
    }
    String value = values.get(0).trim();
    if (value.equalsIgnoreCase("chunked")) {
      return null;
    }
    String[] codings = value.split(",", -1);
    for (int i = 0; i < codings.length; i++) {
      String coding = codings[i].trim();
      boolean last = i == codings.length - 1;
      if (!isToken(coding) || coding.equalsIgnoreCase("chunked") != last) {
        return BAD_FRAMING;
      }
    }
    return Rejection.of(501, "Not Implemented: transfer coding", Reason.BAD_REQUEST);
  }

  /** RFC 9110 5.6.2: one or more tchar. */
  static boolean isToken(CharSequence s) {
    if (s.length() == 0) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!isTchar(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  static boolean isTchar(int c) {
    return isAlphaNum(c) || (c < 0x7f && c > ' ' && "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
  }

  private static boolean isAlphaNum(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  private static boolean isHexDigit(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
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
      if (!STANDARD_METHODS.contains(request.method().name())) {
        // RFC 9110 9.1: a method the server does not recognize is 501, not 405.
        return NOT_IMPLEMENTED;
      }
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
    String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
    if (service.requestSchema() != null && contentType != null && !isJson(contentType)) {
      // No Content-Type at all is taken for JSON: the body is checked anyway.
      return NOT_JSON;
    }
    return null;
  }

  /**
   * A decoder failure inside the body: an over-long chunk line is a bad message (400), not a long
   * URI; trailer fields over the limit are 431.
   */
  static Rejection malformedBody(Throwable cause) {
    if (cause instanceof TooLongHttpHeaderException) {
      return Rejection.of(431, "Request Header Fields Too Large", Reason.HEADERS_TOO_LARGE);
    }
    return Rejection.of(400, "Bad Request: malformed body framing", Reason.BAD_REQUEST);
  }

  static final Rejection NOT_JSON =
      Rejection.of(
          415,
          "Unsupported Media Type: this service takes a JSON body (Content-Type: application/json)",
          Reason.UNSUPPORTED_MEDIA_TYPE);

  /** {@code application/json} or a {@code +json} type, with any parameters. */
  static boolean isJson(String contentType) {
    int semicolon = contentType.indexOf(';');
    String type =
        (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
            .trim()
            .toLowerCase(java.util.Locale.ROOT);
    return type.equals("application/json")
        || (type.startsWith("application/") && type.endsWith("+json"));
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
