package io.sparkplug.http.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Requests a server refused before any service saw them, by reason. */
final class ServerRejections {
  final LongAdder badRequest = new LongAdder();
  final LongAdder uriTooLong = new LongAdder();
  final LongAdder headersTooLarge = new LongAdder();
  final LongAdder bodyTooLarge = new LongAdder();
  final LongAdder notFound = new LongAdder();
  final LongAdder methodNotAllowed = new LongAdder();
  final LongAdder readTimeout = new LongAdder();
  final LongAdder unauthorized = new LongAdder();
  final LongAdder tooManyConnections = new LongAdder();
  final LongAdder unsupportedMediaType = new LongAdder();
  final LongAdder invalidBody = new LongAdder();

  /** Counts one refused request. */
  void count(RequestChecks.Reason reason) {
    switch (reason) {
      case BAD_REQUEST -> badRequest.increment();
      case URI_TOO_LONG -> uriTooLong.increment();
      case HEADERS_TOO_LARGE -> headersTooLarge.increment();
      case BODY_TOO_LARGE -> bodyTooLarge.increment();
      case NOT_FOUND -> notFound.increment();
      case METHOD_NOT_ALLOWED -> methodNotAllowed.increment();
      case READ_TIMEOUT -> readTimeout.increment();
      case UNAUTHORIZED -> unauthorized.increment();
      case UNSUPPORTED_MEDIA_TYPE -> unsupportedMediaType.increment();
      case INVALID_BODY -> invalidBody.increment();
    }
  }

  /** By reason, with names usable as metric labels. */
  Map<String, Long> snapshot() {
    Map<String, Long> values = new LinkedHashMap<>();
    values.put("bad_request", badRequest.sum());
    values.put("uri_too_long", uriTooLong.sum());
    values.put("headers_too_large", headersTooLarge.sum());
    values.put("body_too_large", bodyTooLarge.sum());
    values.put("not_found", notFound.sum());
    values.put("method_not_allowed", methodNotAllowed.sum());
    values.put("read_timeout", readTimeout.sum());
    values.put("unauthorized", unauthorized.sum());
    values.put("too_many_connections", tooManyConnections.sum());
    values.put("unsupported_media_type", unsupportedMediaType.sum());
    values.put("invalid_body", invalidBody.sum());
    return values;
  }
}
