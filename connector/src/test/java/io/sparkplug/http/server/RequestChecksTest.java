package io.sparkplug.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.sparkplug.http.config.ServiceOptions;
import io.sparkplug.http.server.RequestChecks.Reason;
import io.sparkplug.http.server.RequestChecks.Rejection;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checks of a request head, as functions: no channel, no server. */
class RequestChecksTest {
  private static final ServiceOptions OPEN =
      ServiceOptions.parse(Map.of("port", "8080", "path", "/svc", "maxBodyBytes", "1k"));
  private static final ServiceOptions GUARDED =
      ServiceOptions.parse(
          Map.of("port", "8080", "path", "/svc", "authToken", "s3cret", "methods", "POST,GET"));

  private static HttpRequest request(HttpMethod method, String uri, String... headers) {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
    for (int i = 0; i < headers.length; i += 2) {
      request.headers().add(headers[i], headers[i + 1]);
    }
    return request;
  }

  private static void assertRejected(int status, Reason reason, Rejection rejection) {
    assertEquals(status, rejection.reply().status());
    assertEquals(reason, rejection.reason());
    assertEquals(true, rejection.reply().closeConnection());
  }

  @Test
  void aWellFormedRequestToAServicePasses() {
    HttpRequest request =
        request(HttpMethod.POST, "/svc/x?q=1", "Host", "h", "Content-Length", "3");
    assertNull(RequestChecks.head(request));
    assertNull(RequestChecks.forService(request, OPEN));
  }

  @Test
  void http11WithoutHostIs400() {
    assertRejected(400, Reason.BAD_REQUEST, RequestChecks.head(request(HttpMethod.GET, "/svc")));
  }

  @Test
  void http10WithoutHostPasses() {
    assertNull(
        RequestChecks.head(new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/svc")));
  }

  @Test
  void aTargetThatIsNotAPathIs400() {
    assertRejected(
        400,
        Reason.BAD_REQUEST,
        RequestChecks.head(request(HttpMethod.GET, "http://h/svc", "Host", "h")));
  }

  @Test
  void transferEncodingOtherThanChunkedIs400() {
    assertRejected(
        400,
        Reason.BAD_REQUEST,
        RequestChecks.head(
            request(HttpMethod.POST, "/svc", "Host", "h", "Transfer-Encoding", "gzip")));
  }

  @Test
  void transferEncodingWithContentLengthIs400() {
    assertRejected(
        400,
        Reason.BAD_REQUEST,
        RequestChecks.head(
            request(
                HttpMethod.POST,
                "/svc",
                "Host",
                "h",
                "Transfer-Encoding",
                "chunked",
                "Content-Length",
                "3")));
  }

  @Test
  void decoderFailuresMapTo400And414And431() {
    HttpRequest failed = request(HttpMethod.GET, "/svc", "Host", "h");
    failed.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("not HTTP")));
    assertRejected(400, Reason.BAD_REQUEST, RequestChecks.head(failed));
    assertRejected(
        414, Reason.URI_TOO_LONG, RequestChecks.malformed(new TooLongHttpLineException("long")));
    assertRejected(
        431,
        Reason.HEADERS_TOO_LARGE,
        RequestChecks.malformed(new TooLongHttpHeaderException("large")));
  }

  @Test
  void noServiceIs404() {
    assertSame(
        RequestChecks.NOT_FOUND,
        RequestChecks.forService(request(HttpMethod.GET, "/other", "Host", "h"), null));
    assertRejected(404, Reason.NOT_FOUND, RequestChecks.NOT_FOUND);
  }

  @Test
  void aMissingOrWrongTokenIs401WithAChallenge() {
    Rejection missing =
        RequestChecks.forService(request(HttpMethod.GET, "/svc", "Host", "h"), GUARDED);
    assertRejected(401, Reason.UNAUTHORIZED, missing);
    assertEquals("WWW-Authenticate", missing.reply().headerNames()[0]);
    assertRejected(
        401,
        Reason.UNAUTHORIZED,
        RequestChecks.forService(
            request(HttpMethod.GET, "/svc", "Host", "h", "Authorization", "Bearer wrong"),
            GUARDED));
    assertNull(
        RequestChecks.forService(
            request(HttpMethod.GET, "/svc", "Host", "h", "Authorization", "Bearer s3cret"),
            GUARDED));
  }

  @Test
  void aMethodOutsideTheSetIs405WithAllow() {
    Rejection rejection =
        RequestChecks.forService(request(HttpMethod.DELETE, "/svc", "Host", "h"), OPEN);
    assertRejected(405, Reason.METHOD_NOT_ALLOWED, rejection);
    assertEquals("Allow", rejection.reply().headerNames()[0]);
    assertEquals("GET, HEAD, OPTIONS, POST", rejection.reply().headerValues()[0]);
  }

  @Test
  void aDeclaredLengthOverTheLimitIs413BeforeAnyBody() {
    assertRejected(
        413,
        Reason.BODY_TOO_LARGE,
        RequestChecks.forService(
            request(HttpMethod.POST, "/svc", "Host", "h", "Content-Length", "1025"), OPEN));
  }

  @Test
  void anExpectationOtherThan100ContinueIs417() {
    assertRejected(
        417,
        Reason.BAD_REQUEST,
        RequestChecks.forService(
            request(HttpMethod.POST, "/svc", "Host", "h", "Expect", "teapot"), OPEN));
    assertNull(
        RequestChecks.forService(
            request(HttpMethod.POST, "/svc", "Host", "h", "Expect", "100-continue"), OPEN));
  }

  @Test
  void thePathIsTheTargetWithoutItsQuery() {
    assertEquals("/svc/a", RequestChecks.path("/svc/a?x=1&y=2"));
    assertEquals("/svc/a", RequestChecks.path("/svc/a"));
  }
}
