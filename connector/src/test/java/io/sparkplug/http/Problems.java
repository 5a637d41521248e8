package io.sparkplug.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;

/** Checks of the problem documents (RFC 9457) every error reply of the connector carries. */
final class Problems {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Problems() {}

  /** The connector's own error body: about:blank, the reason phrase, the status, the detail. */
  static void assertProblem(int status, String contentType, String body, String detail) {
    assertEquals("application/problem+json", contentType, body);
    JsonNode problem;
    try {
      problem = JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + body, e);
    }
    assertEquals(4, problem.size(), body);
    assertEquals("about:blank", problem.get("type").asText(), body);
    assertEquals(io.sparkplug.http.reply.Reply.reasonPhrase(status), problem.get("title").asText());
    assertEquals(status, problem.get("status").asInt(), body);
    if (detail != null) {
      assertEquals(detail, problem.get("detail").asText(), body);
    }
  }

  static void assertProblem(Http.RawResponse response, int status, String detail) {
    assertEquals(status, response.status(), response.body());
    assertProblem(status, response.header("content-type"), response.body(), detail);
  }

  static void assertProblem(HttpResponse<String> response, int status, String detail) {
    assertEquals(status, response.statusCode(), response.body());
    assertProblem(
        status,
        response.headers().firstValue("content-type").orElse(null),
        response.body(),
        detail);
  }
}
