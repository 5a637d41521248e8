package io.sparkplug.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sparkplug.http.TestSpark;
import io.sparkplug.http.config.ServiceOptions;
import io.sparkplug.http.reply.Reply;
import io.sparkplug.http.reply.RequestId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One connection's pipeline as the server assembles it, on an {@link EmbeddedChannel} instead of a
 * socket: the real codec, guard and handler, a real service, bytes in and bytes out.
 */
@Timeout(60)
class ConnectionHandlerTest {
  private final List<HttpService> services = new ArrayList<>();
  private final List<RequestRecord> admitted = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeServices() {
    services.forEach(HttpService::close);
  }

  private HttpService service(String path, String... options) {
    Map<String, String> map = new HashMap<>();
    map.put("port", Integer.toString(TestSpark.freePort()));
    map.put("path", path);
    for (int i = 0; i < options.length; i += 2) {
      map.put(options[i], options[i + 1]);
    }
    HttpService service = HttpService.start(ServiceOptions.parse(map), "127.0.0.1", admitted::add);
    services.add(service);
    return service;
  }

  /** A second service on the first one's port, so that both share its server. */
  private HttpService alongside(HttpService first, String path, String... options) {
    Map<String, String> map = new HashMap<>();
    map.put("port", Integer.toString(first.port()));
    map.put("path", path);
    for (int i = 0; i < options.length; i += 2) {
      map.put(options[i], options[i + 1]);
    }
    HttpService service = HttpService.start(ServiceOptions.parse(map), "127.0.0.1", admitted::add);
    services.add(service);
    return service;
  }

  private static EmbeddedChannel connect(HttpService service) {
    EmbeddedChannel channel = new EmbeddedChannel();
    service.server().initConnection(channel);
    return channel;
  }

  private static void send(EmbeddedChannel channel, String bytes) {
    channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
  }

  private static String written(EmbeddedChannel channel) {
    StringBuilder out = new StringBuilder();
    ByteBuf buf;
    while ((buf = channel.readOutbound()) != null) {
      out.append(buf.toString(StandardCharsets.ISO_8859_1));
      buf.release();
    }
    return out.toString();
  }

  private static void reply(HttpService service, RequestRecord record, String body) {
    service.deliver(
        RequestId.sequenceOf(record.id()),
        new Reply(200, null, null, body.getBytes(StandardCharsets.UTF_8), Reply.TEXT_PLAIN, false));
  }

  @Test
  void pipelinedRepliesAreWrittenInRequestOrder() {
    HttpService service = service("/svc");
    EmbeddedChannel channel = connect(service);
    send(channel, "GET /svc/a HTTP/1.1\r\nHost: h\r\n\r\nGET /svc/b HTTP/1.1\r\nHost: h\r\n\r\n");
    assertEquals(2, admitted.size());

    reply(service, admitted.get(1), "second");
    assertEquals("", written(channel), "the second reply waits for the first");

    reply(service, admitted.get(0), "first");
    String out = written(channel);
    assertTrue(out.indexOf("first") < out.indexOf("second"), out);
    assertTrue(out.startsWith("HTTP/1.1 200 OK"), out);
    assertTrue(channel.isActive());
  }

  @Test
  void requestsBeyondThePipeliningLimitAreParkedUntilAReplyGoesOut() {
    HttpService service = service("/svc", "maxPipelinedRequests", "1");
    EmbeddedChannel channel = connect(service);
    send(channel, "GET /svc/a HTTP/1.1\r\nHost: h\r\n\r\nGET /svc/b HTTP/1.1\r\nHost: h\r\n\r\n");
    assertEquals(1, admitted.size(), "the second request is parked");
    assertFalse(channel.config().isAutoRead(), "a parked connection is not read");

    reply(service, admitted.get(0), "first");
    assertTrue(written(channel).contains("first"));
    assertEquals(2, admitted.size(), "the parked request is admitted once a reply went out");

    reply(service, admitted.get(1), "second");
    assertTrue(written(channel).contains("second"));
    assertTrue(channel.config().isAutoRead(), "nothing parked: reading again");
  }

  @Test
  void expect100ContinueIsAnsweredBeforeTheBody() {
    HttpService service = service("/svc");
    EmbeddedChannel channel = connect(service);
    send(
        channel,
        "POST /svc HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    assertTrue(written(channel).startsWith("HTTP/1.1 100 Continue"));
    assertTrue(admitted.isEmpty());
    send(channel, "hi");
    assertEquals("hi", new String(admitted.get(0).body(), StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not HTTP           | BLAH\\r\\n\\r\\n                                                | 400 | bad_request",
        "no Host            | GET /svc HTTP/1.1\\r\\n\\r\\n                                      | 400 | bad_request",
        "authority target   | GET h:80 HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n                       | 400 | bad_request",
        "gzip framing       | POST /svc HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n | 400 | bad_request",
        "two framings       | POST /svc HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | 400 | bad_request",
        "unknown path       | GET /other HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n                      | 404 | not_found",
        "unknown admin path | GET /-/nothing HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n                  | 404 | not_found",
        "method             | DELETE /svc HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n                       | 405 | method_not_allowed",
        "declared length    | POST /svc HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 2048\\r\\n\\r\\n   | 413 | body_too_large",
        "chunked length     | POST /svc HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n300\\r\\n{768}\\r\\n200\\r\\n{512}\\r\\n0\\r\\n\\r\\n | 413 | body_too_large",
        "expectation        | POST /svc HTTP/1.1\\r\\nHost: h\\r\\nExpect: teapot\\r\\n\\r\\n        | 417 | bad_request",
        "long line          | GET /svc/{9000} HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n                 | 414 | uri_too_long",
        "large headers      | GET /svc HTTP/1.1\\r\\nHost: h\\r\\nX-Big: {9000}\\r\\n\\r\\n         | 431 | headers_too_large",
        "no token           | GET /secure HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n                     | 401 | unauthorized",
        "metrics, no token  | GET /-/metrics HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n                  | 401 | unauthorized",
      })
  void everyRejectionIsAnsweredCountedAndClosesTheConnection(
      String name, String request, int status, String reason) {
    HttpService service = service("/svc", "maxBodyBytes", "1k");
    alongside(service, "/secure", "authToken", "s3cret");
    EmbeddedChannel channel = connect(service);
    send(channel, expand(request));
    String out = written(channel);
    assertTrue(out.startsWith("HTTP/1.1 " + status + " "), name + ": " + out);
    assertTrue(out.toLowerCase().contains("connection: close"), out);
    assertFalse(channel.isActive(), "closed after the rejection");
    assertTrue(admitted.isEmpty());
    assertEquals(1L, service.serverRejections().get(reason), reason);
  }

  @Test
  void aRequestSlowerThanTheReadTimeoutIs408() {
    HttpService service = service("/svc", "readTimeout", "20ms");
    EmbeddedChannel channel = connect(service);
    send(channel, "GET /svc HTTP/1.1\r\nHo");
    StringBuilder out = new StringBuilder();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              channel.runScheduledPendingTasks();
              out.append(written(channel));
              return out.length() > 0;
            });
    assertTrue(out.toString().startsWith("HTTP/1.1 408 "), out.toString());
    assertEquals(1L, service.serverRejections().get("read_timeout"));
    assertFalse(channel.isActive());
  }

  @Test
  void aRejectionWaitsForTheRepliesAlreadyOwed() {
    HttpService service = service("/svc");
    EmbeddedChannel channel = connect(service);
    send(channel, "GET /svc/a HTTP/1.1\r\nHost: h\r\n\r\nGET /other HTTP/1.1\r\nHost: h\r\n\r\n");
    assertEquals("", written(channel), "the 404 is owed after the first reply");
    reply(service, admitted.get(0), "first");
    String out = written(channel);
    assertTrue(out.startsWith("HTTP/1.1 200 OK"), out);
    assertTrue(out.indexOf("HTTP/1.1 404 ") > out.indexOf("first"), out);
    assertFalse(channel.isActive());
  }

  /** {@code \r\n} escapes and {@code {N}}, N bytes of filler. */
  private static String expand(String request) {
    String text = request.replace("\\r\\n", "\r\n");
    StringBuilder out = new StringBuilder();
    int at = 0;
    int open;
    while ((open = text.indexOf('{', at)) >= 0) {
      int close = text.indexOf('}', open);
      out.append(text, at, open)
          .append("x".repeat(Integer.parseInt(text.substring(open + 1, close))));
      at = close + 1;
    }
    return out.append(text.substring(at)).toString();
  }
}
