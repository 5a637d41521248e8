package io.sparkplug.http.server;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder, refusing a message framed both by {@code Content-Length} and by {@code
 * Transfer-Encoding}. Netty would drop the length and trust the coding (or not, depending on the
 * release Spark ships); a proxy in front may have trusted the length, which is how requests are
 * smuggled. The decoder marks the message as failed, and the connection handler answers 400.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
  StrictRequestDecoder(HttpDecoderConfig config) {
    super(config);
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    super.handleTransferEncodingChunkedWithContentLength(message);
    message.setDecoderResult(
        DecoderResult.failure(
            new IllegalArgumentException("Content-Length together with Transfer-Encoding")));
  }
}
