package io.sparkplug.http.server;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.sparkplug.http.reply.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Reply} as the HTTP response one exchange gets: its status, headers and body, the default
 * content type, the CORS headers for an allowed origin, the length, no body for {@code HEAD}, and
 * the connection header. A reply that is not valid HTTP (a status outside 200-599, a bad header)
 * becomes a 500.
 */
final class Responses {
  private static final Logger LOG = LoggerFactory.getLogger(Responses.class);

  private Responses() {}

  static FullHttpResponse of(Reply reply, Exchange exchange, boolean close) {
    FullHttpResponse response;
    try {
      response = build(reply, exchange.version);
    } catch (IllegalArgumentException e) {
      LOG.warn(
          "sparkplug-http: reply for request {} is not valid HTTP ({})",
          exchange.sequence,
          e.getMessage());
      response = build(Reply.error(500, "Internal Server Error", close), exchange.version);
    }
    HttpHeaders headers = response.headers();
    if (exchange.corsOrigin != null) {
      String exposed = exposedHeaders(headers);
      headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, exchange.corsOrigin);
      headers.add(HttpHeaderNames.VARY, "Origin");
      if (!exposed.isEmpty()) {
        // A page's script may read the query's own headers, Retry-After and the like.
        headers.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, exposed);
      }
    } else if (exchange.service != null && !exchange.service.options().corsOrigins().isEmpty()) {
      // The reply would differ for an allowed origin: caches must key it by Origin too.
      headers.add(HttpHeaderNames.VARY, "Origin");
    }
    headers.setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    if (exchange.head) {
      response.content().clear();
    }
    if (close) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (exchange.version.equals(HttpVersion.HTTP_1_0)) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    return response;
  }

  /** Headers a browser hides from cross-origin scripts unless they are exposed. */
  private static String exposedHeaders(HttpHeaders headers) {
    StringBuilder names = new StringBuilder();
    for (String name : headers.names()) {
      if (!SAFELISTED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        names.append(names.length() == 0 ? "" : ", ").append(name);
      }
    }
    return names.toString();
  }

  private static final java.util.Set<String> SAFELISTED =
      java.util.Set.of(
          "cache-control",
          "content-language",
          "content-length",
          "content-type",
          "expires",
          "last-modified",
          "pragma",
          "vary",
          "connection");

  private static FullHttpResponse build(Reply reply, HttpVersion version) {
    int status = reply.status();
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("status " + status + " is not a final HTTP status");
    }
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            version, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(reply.body()));
    HttpHeaders headers = response.headers();
    String[] names = reply.headerNames();
    String[] values = reply.headerValues();
    for (int i = 0; i < names.length; i++) {
      if (names[i] != null && values[i] != null) {
        headers.add(names[i], values[i]);
      }
    }
    if (!headers.contains(HttpHeaderNames.CONTENT_TYPE) && reply.defaultContentType() != null) {
      headers.set(HttpHeaderNames.CONTENT_TYPE, reply.defaultContentType());
    }
    return response;
  }
}
