package io.sparkplug.http.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkplug.http.SparkPlugHttp;
import io.sparkplug.http.reply.Reply;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * The server's own endpoints under {@value #PREFIX}: {@code health} for load balancers, {@code
 * metrics} in the Prometheus text format and {@code openapi.json}, the OpenAPI 3.1 description of
 * the port's services ({@link OpenApiDocument}); and {@code OPTIONS *}, the server as a whole. They
 * never reach a query.
 */
final class AdminEndpoints {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String PREFIX = "/-/";
  static final String HEALTH = PREFIX + "health";
  static final String METRICS = PREFIX + "metrics";
  static final String OPENAPI = PREFIX + "openapi.json";
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private AdminEndpoints() {}

  /** The target of {@code OPTIONS *} (RequestChecks admits it with no other method). */
  static final String ASTERISK = "*";

  static boolean owns(String path) {
    return path.startsWith(PREFIX) || path.equals(ASTERISK);
  }

  /** True for the paths of the server's own endpoints. */
  static boolean exists(String path) {
    return path.equals(HEALTH) || path.equals(METRICS) || path.equals(OPENAPI);
  }

  /** True for the endpoints that need the bearer token when a service of the port has one. */
  static boolean guarded(String path) {
    return path.equals(METRICS) || path.equals(OPENAPI);
  }

  /**
   * The reply to an admin request, or null when the path is not an admin endpoint; {@code host} is
   * the request's Host header, for the OpenAPI document's server address.
   */
  static Reply answer(HttpServer server, String method, String path, String host) {
    if (path.equals(ASTERISK)) {
      return new Reply(200, null, null, null, null, false).withHeader("Allow", allowed(server));
    }
    if (!exists(path)) {
      return null;
    }
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return Reply.error(405, "Method Not Allowed", true).withHeader("Allow", ADMIN_ALLOW);
    }
    if (path.equals(OPENAPI)) {
      return new Reply(
          200, null, null, OpenApiDocument.of(server, host), "application/json", false);
    }
    return path.equals(HEALTH) ? health(server) : metrics(server);
  }

  /** The methods of every admin endpoint, for {@code Allow}. */
  static final String ADMIN_ALLOW = "GET, HEAD, OPTIONS";

  /** 200 while every service of the server accepts requests, 503 otherwise. */
  private static Reply health(HttpServer server) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode list = root.putArray("services");
    boolean serving = true;
    HttpService[] services = server.services();
    for (HttpService service : services) {
      serving &= service.isHealthy();
      ObjectNode entry =
          list.addObject()
              .put("path", service.path())
              .put("accepting", service.isAccepting())
              .put("healthy", service.isHealthy())
              .put("pending", service.pendingCount());
      Integer warmUpLeft = service.warmUpBatchesLeft();
      if (warmUpLeft != null) {
        entry.put(SparkPlugHttp.WARM_UP_BATCHES_LEFT, warmUpLeft);
      }
    }
    serving &= services.length > 0;
    root.put("status", serving ? "serving" : "not serving");
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return new Reply(serving ? 200 : 503, null, null, json, "application/json", false);
  }

  /**
   * RFC 9110 9.3.7: {@code OPTIONS *} asks what the server supports; the answer is every method
   * some service of this port allows, plus {@code OPTIONS} itself.
   */
  private static String allowed(HttpServer server) {
    java.util.TreeSet<String> methods = new java.util.TreeSet<>();
    for (HttpService service : server.services()) {
      methods.addAll(java.util.List.of(service.options().allowHeader().split(", ")));
    }
    methods.add("OPTIONS");
    return String.join(", ", methods);
  }

  private static Reply metrics(HttpServer server) {
    StringBuilder text = new StringBuilder(4096);
    String port = Integer.toString(server.port());
    HttpService[] services = server.services();

    family(
        text, "sparkplug_requests_total", "counter", "Requests admitted to a service, by outcome.");
    for (HttpService service : services) {
      for (Map.Entry<String, Long> counter : service.counters().outcomes().entrySet()) {
        String labels = labels(port, service.path()) + ",outcome=\"" + counter.getKey() + "\"";
        sample(text, "sparkplug_requests_total", labels, counter.getValue());
      }
    }
    family(
        text, "sparkplug_replies_dropped_total", "counter", "Late or duplicate replies dropped.");
    for (HttpService service : services) {
      sample(
          text,
          "sparkplug_replies_dropped_total",
          labels(port, service.path()),
          service.counters().repliesDropped.sum());
    }
    family(text, "sparkplug_requests_pending", "gauge", "Requests admitted and not yet answered.");
    for (HttpService service : services) {
      sample(
          text, "sparkplug_requests_pending", labels(port, service.path()), service.pendingCount());
    }
    family(
        text,
        "sparkplug_requests_rejected_total",
        "counter",
        "Requests refused before any service.");
    for (Map.Entry<String, Long> counter : server.rejections().snapshot().entrySet()) {
      String labels = "port=\"" + port + "\",reason=\"" + counter.getKey() + "\"";
      sample(text, "sparkplug_requests_rejected_total", labels, counter.getValue());
    }
    family(
        text,
        "sparkplug_reply_latency_seconds",
        "histogram",
        "Time from admission to the query's reply.");
    for (HttpService service : services) {
      String labels = labels(port, service.path());
      long[] counts = service.latency().counts();
      long cumulative = 0;
      for (int i = 0; i < LatencyHistogram.BOUNDS_SECONDS.length; i++) {
        cumulative += counts[i];
        String le = String.format(Locale.ROOT, "%s", LatencyHistogram.BOUNDS_SECONDS[i]);
        sample(
            text,
            "sparkplug_reply_latency_seconds_bucket",
            labels + ",le=\"" + le + "\"",
            cumulative);
      }
      cumulative += counts[counts.length - 1];
      sample(text, "sparkplug_reply_latency_seconds_bucket", labels + ",le=\"+Inf\"", cumulative);
      sample(
          text,
          "sparkplug_reply_latency_seconds_sum",
          labels,
          String.format(Locale.ROOT, "%.6f", service.latency().sumSeconds()));
      sample(text, "sparkplug_reply_latency_seconds_count", labels, cumulative);
    }
    return new Reply(
        200, null, null, text.toString().getBytes(StandardCharsets.UTF_8), PROMETHEUS_TEXT, false);
  }

  private static void family(StringBuilder text, String name, String type, String help) {
    text.append("# HELP ").append(name).append(' ').append(help).append('\n');
    text.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder text, String name, String labels, Object value) {
    text.append(name).append('{').append(labels).append("} ").append(value).append('\n');
  }

  private static String labels(String port, String path) {
    return "port=\""
        + port
        + "\",path=\""
        + path.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")
        + "\"";
  }
}
