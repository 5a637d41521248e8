package io.sparkplug.http.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServiceOptionsTest {
  @Test
  void defaults() {
    ServiceOptions options = ServiceOptions.parse(Map.of("port", "8080"));
    assertEquals(8080, options.port());
    assertNull(options.host());
    assertEquals("/", options.path());
    assertEquals(Mode.DRIVER, options.mode());
    assertEquals(Set.of("GET", "POST"), options.methods());
    assertEquals(30_000, options.requestTimeoutMs());
    assertEquals(10_000, options.maxPendingRequests());
    assertEquals(1024 * 1024, options.maxBodyBytes());
    assertEquals(4096, options.maxInitialLineLength());
    assertEquals(8192, options.maxHeaderBytes());
    assertEquals(30_000, options.readTimeoutMs());
    assertEquals(60_000, options.idleTimeoutMs());
    assertEquals(5_000, options.drainTimeoutMs());
    assertEquals(0, options.numPartitions());
  }

  @Test
  void durationsSizesAndMethodsAreParsed() {
    ServiceOptions options =
        ServiceOptions.parse(
            Map.of(
                "port", "1",
                "requestTimeout", "250ms",
                "maxBodyBytes", "64k",
                "methods", " get , Put ",
                "path", "/api/v1/"));
    assertEquals(250, options.requestTimeoutMs());
    assertEquals(64 * 1024, options.maxBodyBytes());
    assertEquals(Set.of("GET", "PUT"), options.methods());
    assertEquals("GET, HEAD, OPTIONS, PUT", options.allowHeader());
    assertEquals("/api/v1", options.path());
  }

  @Test
  void optionNamesAreCaseInsensitive() {
    assertEquals(
        5, ServiceOptions.parse(Map.of("PORT", "1", "REQUESTTIMEOUT", "5")).requestTimeoutMs());
  }

  @Test
  void errorsNameTheOptionAndTheValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ServiceOptions.parse(Map.of("port", "1", "maxPendingRequests", "-3")));
    assertTrue(e.getMessage().contains("'maxPendingRequests'"), e.getMessage());
    assertTrue(e.getMessage().contains("'-3'"), e.getMessage());
  }

  @Test
  void corsOriginsAreExactOriginsOrAStar() {
    ServiceOptions two =
        ServiceOptions.parse(
            Map.of("port", "1", "corsOrigins", "https://App.example.com, http://localhost:5173"));
    assertEquals(Set.of("https://app.example.com", "http://localhost:5173"), two.corsOrigins());
    assertEquals("https://APP.example.com", two.corsAllowedOrigin("https://APP.example.com"));
    assertEquals(null, two.corsAllowedOrigin("https://app.example.com.evil.test"));
    assertEquals(null, two.corsAllowedOrigin(null));
    ServiceOptions any = ServiceOptions.parse(Map.of("port", "1", "corsOrigins", "*"));
    assertEquals("*", any.corsAllowedOrigin("http://anything.test"));
    assertEquals(null, ServiceOptions.parse(Map.of("port", "1")).corsAllowedOrigin("http://a"));
    for (String bad :
        new String[] {"app.example.com", "https://app.example.com/", "*, http://a.test", " , "}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> ServiceOptions.parse(Map.of("port", "1", "corsOrigins", bad)));
      assertTrue(e.getMessage().contains("'corsOrigins'"), e.getMessage());
    }
  }

  @Test
  void headIsAdmittedWhereGetIs() {
    ServiceOptions get = ServiceOptions.parse(Map.of("port", "1", "methods", "GET"));
    assertTrue(get.admits("HEAD"));
    assertTrue(!get.admits("OPTIONS"));
    ServiceOptions post = ServiceOptions.parse(Map.of("port", "1", "methods", "POST"));
    assertTrue(!post.admits("HEAD"));
    assertEquals("OPTIONS, POST", post.allowHeader());
  }
}
