package io.sparkplug.http.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.List;

/**
 * Netty's request decoder, made strict where it is lenient on framing:
 *
 * <ul>
 *   <li>A message framed both by {@code Content-Length} and by {@code Transfer-Encoding} is marked
 *       failed. Netty would drop the length and trust the coding (or not, depending on the release
 *       Spark ships); a proxy in front may have trusted the length, which is how requests are
 *       smuggled.
 *   <li>Chunk lines must follow RFC 9112 7.1 exactly: {@code 1*HEXDIG} with no whitespace before or
 *       after it, extensions of tokens or quoted strings (whitespace only around {@code ;} and
 *       {@code =}), CRLF after the line and after the data. Netty skips whitespace around the size
 *       and accepts an empty extension; a proxy that reads the line differently would frame the
 *       body differently.
 * </ul>
 *
 * <p>The chunk check reads only the bytes the decoder consumed, in place, and only for chunked
 * messages; a body framed by {@code Content-Length} costs two comparisons per decode call. On a bad
 * line the decoder's output of that call is replaced by one failed {@link LastHttpContent}, and the
 * connection handler answers 400.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
  /** Longest chunk line accepted (size and extensions); longer is a bad message. */
  static final int MAX_CHUNK_LINE = 4096;

  private final ChunkLines chunks = new ChunkLines();

  /** The current message's body is chunked: consumed bytes go through {@link #chunks}. */
  private boolean chunked;

  /** A chunk line was bad: the rest of the connection's input is discarded. */
  private boolean failed;

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

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    int from = in.readerIndex();
    int produced = out.size();
    super.decode(ctx, in, out);
    if (chunked) {
      String error = chunks.consume(in, from, in.readerIndex());
      if (error != null) {
        fail(in, out, produced, error);
        return;
      }
    }
    for (int i = produced; i < out.size(); i++) {
      Object msg = out.get(i);
      if (msg instanceof HttpMessage message) {
        chunked =
            message.decoderResult().isSuccess()
                && message.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)
                && HttpUtil.isTransferEncodingChunked(message);
        chunks.reset();
      } else if (msg instanceof LastHttpContent) {
        chunked = false;
      }
    }
  }

  private void fail(ByteBuf in, List<Object> out, int produced, String error) {
    failed = true;
    chunked = false;
    in.skipBytes(in.readableBytes());
    for (int i = out.size() - 1; i >= produced; i--) {
      if (out.get(i) instanceof HttpContent) {
        ReferenceCountUtil.release(out.remove(i));
      }
    }
    LastHttpContent bad = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
    bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(error)));
    out.add(bad);
  }

  /** RFC 9112 7.1 chunk framing, checked byte by byte across decode calls; data is skipped. */
  static final class ChunkLines {
    private static final int SIZE_START = 0;
    private static final int SIZE = 1;
    private static final int BWS_BEFORE_SEMICOLON = 2;
    private static final int NAME_START = 3;
    private static final int NAME = 4;
    private static final int AFTER_NAME = 5;
    private static final int VALUE_START = 6;
    private static final int TOKEN_VALUE = 7;
    private static final int QUOTED = 8;
    private static final int QUOTED_ESCAPE = 9;
    private static final int AFTER_QUOTE = 10;
    private static final int LINE_LF = 11;
    private static final int DATA = 12;
    private static final int DATA_CR = 13;
    private static final int DATA_LF = 14;
    private static final int TRAILERS = 15;
    private static final int BWS_AFTER_VALUE = 16;

    private int state;
    private long size;
    private long remaining;
    private int lineLength;

    void reset() {
      state = SIZE_START;
      size = 0;
      remaining = 0;
      lineLength = 0;
    }

    /** Checks {@code buf[from, to)}; null when it is valid so far, else what is wrong. */
    String consume(ByteBuf buf, int from, int to) {
      int i = from;
      while (i < to) {
        if (state == TRAILERS) {
          // Trailer fields go through Netty's header validation.
          return null;
        }
        if (state == DATA) {
          int skip = (int) Math.min(remaining, to - i);
          i += skip;
          remaining -= skip;
          if (remaining == 0) {
            state = DATA_CR;
          }
          continue;
        }
        String error = next(buf.getByte(i) & 0xff);
        if (error != null) {
          return error;
        }
        i++;
      }
      return null;
    }

    private String next(int b) {
      if ((state <= LINE_LF || state == BWS_AFTER_VALUE) && ++lineLength > MAX_CHUNK_LINE) {
        return "chunk line longer than " + MAX_CHUNK_LINE + " bytes";
      }
      switch (state) {
        case SIZE_START:
          if (hex(b) < 0) {
            return "chunk size is not hexadecimal";
          }
          size = hex(b);
          state = SIZE;
          return null;
        case SIZE:
          if (hex(b) >= 0) {
            if (size > (Long.MAX_VALUE >> 4)) {
              return "chunk size overflows";
            }
            size = (size << 4) | hex(b);
            return null;
          }
          return afterSize(b);
        case BWS_BEFORE_SEMICOLON:
          if (b == ' ' || b == '\t') {
            return null;
          }
          return b == ';' ? to(NAME_START) : "whitespace after the chunk size";
        case NAME_START:
          if (b == ' ' || b == '\t') {
            return null;
          }
          return RequestChecks.isTchar(b) ? to(NAME) : "chunk extension without a name";
        case NAME:
          if (RequestChecks.isTchar(b)) {
            return null;
          }
          return afterName(b);
        case AFTER_NAME:
          if (b == ' ' || b == '\t') {
            return null;
          }
          if (b == '=') {
            return to(VALUE_START);
          }
          return b == ';' ? to(NAME_START) : "invalid chunk extension";
        case VALUE_START:
          if (b == ' ' || b == '\t') {
            return null;
          }
          if (b == '"') {
            return to(QUOTED);
          }
          return RequestChecks.isTchar(b) ? to(TOKEN_VALUE) : "invalid chunk extension value";
        case TOKEN_VALUE:
          if (RequestChecks.isTchar(b)) {
            return null;
          }
          return afterValue(b);
        case QUOTED:
          if (b == '"') {
            return to(AFTER_QUOTE);
          }
          if (b == '\\') {
            return to(QUOTED_ESCAPE);
          }
          return b == '\t' || (b >= ' ' && b != 0x7f) ? null : "control character in a chunk line";
        case QUOTED_ESCAPE:
          return b == '\t' || (b >= ' ' && b != 0x7f)
              ? to(QUOTED)
              : "control character in a chunk line";
        case AFTER_QUOTE:
          return afterValue(b);
        case BWS_AFTER_VALUE:
          if (b == ' ' || b == '\t') {
            return null;
          }
          return b == ';' ? to(NAME_START) : "whitespace at the end of a chunk line";
        case LINE_LF:
          if (b != '\n') {
            return "chunk line not ended by CRLF";
          }
          lineLength = 0;
          if (size == 0) {
            return to(TRAILERS);
          }
          remaining = size;
          return to(DATA);
        case DATA_CR:
          return b == '\r' ? to(DATA_LF) : "chunk data longer than its size";
        case DATA_LF:
          if (b != '\n') {
            return "chunk data not ended by CRLF";
          }
          size = 0;
          return to(SIZE_START);
        default:
          return "unexpected chunk state";
      }
    }

    private String afterSize(int b) {
      if (b == '\r') {
        return to(LINE_LF);
      }
      if (b == ';') {
        return to(NAME_START);
      }
      // Whitespace is only allowed before an extension (BWS ";").
      return b == ' ' || b == '\t' ? to(BWS_BEFORE_SEMICOLON) : "invalid chunk size";
    }

    private String afterName(int b) {
      if (b == '\r') {
        return to(LINE_LF);
      }
      if (b == ';') {
        return to(NAME_START);
      }
      if (b == '=') {
        return to(VALUE_START);
      }
      return b == ' ' || b == '\t' ? to(AFTER_NAME) : "invalid chunk extension name";
    }

    private String afterValue(int b) {
      if (b == '\r') {
        return to(LINE_LF);
      }
      if (b == ';') {
        return to(NAME_START);
      }
      if (b == ' ' || b == '\t') {
        return to(BWS_AFTER_VALUE);
      }
      return "invalid chunk extension value";
    }

    private String to(int next) {
      state = next;
      return null;
    }

    private static int hex(int b) {
      if (b >= '0' && b <= '9') {
        return b - '0';
      }
      if (b >= 'a' && b <= 'f') {
        return b - 'a' + 10;
      }
      if (b >= 'A' && b <= 'F') {
        return b - 'A' + 10;
      }
      return -1;
    }
  }
}
