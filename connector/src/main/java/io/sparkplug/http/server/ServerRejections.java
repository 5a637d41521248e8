package io.sparkplug.http.server;

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
}
