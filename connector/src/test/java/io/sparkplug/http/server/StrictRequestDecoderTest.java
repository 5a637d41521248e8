package io.sparkplug.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Chunk lines are checked across any split of the input: the bytes arrive one at a time here, the
 * hardest case for a check that runs on what each decode call consumed.
 */
class StrictRequestDecoderTest {
  private static final String HEAD =
      "POST /svc HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";

  /** Decodes the request byte by byte; the body read and whether the message ended well. */
  private static String[] decode(String body) {
    EmbeddedChannel channel =
        new EmbeddedChannel(
            new StrictRequestDecoder(new HttpDecoderConfig().setStrictLineParsing(true)));
    byte[] bytes = (HEAD + body).getBytes(StandardCharsets.ISO_8859_1);
    for (byte b : bytes) {
      channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    StringBuilder read = new StringBuilder();
    String ending = "none";
    Object msg;
    while ((msg = channel.readInbound()) != null) {
      if (msg instanceof HttpRequest request) {
        assertTrue(request.decoderResult().isSuccess());
      }
      if (msg instanceof HttpContent content) {
        ByteBuf data = content.content();
        read.append(data.toString(StandardCharsets.ISO_8859_1));
        if (content.decoderResult().isFailure()) {
          ending = "failed: " + content.decoderResult().cause();
        } else if (content instanceof LastHttpContent) {
          ending = "ok";
        }
      }
      ReferenceCountUtil.release(msg);
    }
    channel.finishAndReleaseAll();
    return new String[] {read.toString(), ending};
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "two chunks          | 5\\r\\nhello\\r\\n6\\r\\n world\\r\\n0\\r\\n\\r\\n",
        "extensions and BWS  | 5 ; a = b;c\\r\\nhello\\r\\n0;z\\r\\n\\r\\n",
        "quoted extension    | 5;c=\"q; x\"\\r\\nhello\\r\\n0\\r\\n\\r\\n",
        "trailer             | 5\\r\\nhello\\r\\n0\\r\\nX-T: v\\r\\n\\r\\n",
      })
  void validChunkLinesPassWhateverTheSplit(String name, String body) {
    String[] result = decode(unescape(body));
    assertEquals("ok", result[1], name);
    assertTrue(result[0].startsWith("hello"), name + ": " + result[0]);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "bare semicolon   | 5;\\r\\nhello\\r\\n0\\r\\n\\r\\n",
        "trailing space   | 5 \\r\\nhello\\r\\n0\\r\\n\\r\\n",
        "leading space    | \\s5\\r\\nhello\\r\\n0\\r\\n\\r\\n",
        "bad token        | 5;a(b\\r\\nhello\\r\\n0\\r\\n\\r\\n",
        "value then space | 5;a=b \\r\\nhello\\r\\n0\\r\\n\\r\\n",
        "control          | 5;a=\\x01\\r\\nhello\\r\\n0\\r\\n\\r\\n",
        "overflow         | 10000000000000005\\r\\nhello\\r\\n0\\r\\n\\r\\n",
        "data overrun     | 5\\r\\nhelloXY\\r\\n0\\r\\n\\r\\n",
      })
  void badChunkLinesFailTheMessage(String name, String body) {
    String[] result = decode(unescape(body));
    assertTrue(result[1].startsWith("failed"), name + ": " + result[1]);
  }

  private static String unescape(String s) {
    return s.replace("\\s", " ")
        .replace("\\r", "\r")
        .replace("\\n", "\n")
        .replace("\\x01", "\u0001")
        .replace("\\\\", "\\");
  }
}
