package io.sparkplug.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The complete wire bytes of the one request a run repeats, encoded once up front. Each send writes
 * a retained duplicate, so the hot path neither encodes headers nor copies the body.
 */
final class RequestTemplate implements AutoCloseable {
  private final ByteBuf encoded;

  private RequestTemplate(ByteBuf encoded) {
    this.encoded = encoded;
  }

  static RequestTemplate of(LoadOptions options) {
    StringBuilder head = new StringBuilder(256);
    head.append(options.method())
        .append(' ')
        .append(options.pathAndQuery())
        .append(" HTTP/1.1\r\n");
    boolean hostGiven =
        options.headers().stream().anyMatch(h -> h.getKey().equalsIgnoreCase("host"));
    if (!hostGiven) {
      head.append("Host: ")
          .append(options.host())
          .append(':')
          .append(options.port())
          .append("\r\n");
    }
    for (Map.Entry<String, String> header : options.headers()) {
      head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
    }
    byte[] body = options.body();
    // POST always carries a length so the server never waits for a body that is not coming.
    if (body.length > 0 || options.method().equals("POST")) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    ByteBuf buf = Unpooled.directBuffer(headBytes.length + body.length);
    buf.writeBytes(headBytes).writeBytes(body);
    return new RequestTemplate(buf);
  }

  /** A view of the request bytes that the channel releases once written. */
  ByteBuf newSend() {
    return encoded.retainedDuplicate();
  }

  int size() {
    return encoded.readableBytes();
  }

  @Override
  public void close() {
    encoded.release();
  }
}
