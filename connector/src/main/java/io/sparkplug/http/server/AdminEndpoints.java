package io.sparkplug.http.server;

import io.sparkplug.http.routing.Reply;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * The server's own endpoints under {@value #PREFIX}: {@code health} for load balancers and {@code
 * metrics} in the Prometheus text format. They never reach a query.
 */
final class AdminEndpoints {
  static final String PREFIX = "/-/";
  static final String HEALTH = PREFIX + "health";
  static final String METRICS = PREFIX + "metrics";
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private AdminEndpoints() {}

  static boolean owns(String path) {
    return path.startsWith(PREFIX);
  }

  /** The reply to an admin request, or null when the path is not an admin endpoint. */
  static Reply answer(HttpServer server, String method, String path) {
    if (!path.equals(HEALTH) && !path.equals(METRICS)) {
      return null;
    }
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return Reply.error(405, "Method Not Allowed", true).withHeader("Allow", "GET, HEAD");
    }
    return path.equals(HEALTH) ? health(server) : metrics(server);
  }

  /** 200 while every service of the server accepts requests, 503 otherwise. */
  private static Reply health(HttpServer server) {
    StringBuilder json = new StringBuilder();
    boolean serving = true;
    json.append("{\"services\":[");
    HttpService[] services = server.services();
    for (int i = 0; i < services.length; i++) {
      HttpService service = services[i];
      serving &= service.isAccepting();
      json.append(i == 0 ? "" : ",")
          .append("{\"path\":\"")
          .append(service.path().replace("\\", "\\\\").replace("\"", "\\\""))
          .append("\",\"accepting\":")
          .append(service.isAccepting())
          .append(",\"pending\":")
          .append(service.pendingCount())
          .append('}');
    }
    serving &= services.length > 0;
    json.append("],\"status\":\"").append(serving ? "serving" : "not serving").append("\"}");
    return new Reply(
        serving ? 200 : 503,
        null,
        null,
        json.toString().getBytes(StandardCharsets.UTF_8),
        "application/json",
        false);
  }

  private static Reply metrics(HttpServer server) {
    StringBuilder text = new StringBuilder(4096);
    String port = Integer.toString(server.port());
    HttpService[] services = server.services();

    text.append("# HELP sparkplug_requests_total Requests admitted to a service, by outcome.\n");
    text.append("# TYPE sparkplug_requests_total counter\n");
    for (HttpService service : services) {
      for (Map.Entry<String, Long> counter : service.counters().outcomes().entrySet()) {
        text.append("sparkplug_requests_total{")
            .append(labels(port, service.path()))
            .append(",outcome=\"")
            .append(counter.getKey())
            .append("\"} ")
            .append(counter.getValue())
            .append('\n');
      }
    }
    text.append("# HELP sparkplug_replies_dropped_total Late or duplicate replies dropped.\n");
    text.append("# TYPE sparkplug_replies_dropped_total counter\n");
    for (HttpService service : services) {
      text.append("sparkplug_replies_dropped_total{")
          .append(labels(port, service.path()))
          .append("} ")
          .append(service.counters().repliesDropped.sum())
          .append('\n');
    }
    text.append("# HELP sparkplug_requests_pending Requests admitted and not yet answered.\n");
    text.append("# TYPE sparkplug_requests_pending gauge\n");
    for (HttpService service : services) {
      text.append("sparkplug_requests_pending{")
          .append(labels(port, service.path()))
          .append("} ")
          .append(service.pendingCount())
          .append('\n');
    }
    text.append("# HELP sparkplug_requests_rejected_total Requests refused before any service.\n");
    text.append("# TYPE sparkplug_requests_rejected_total counter\n");
    for (Map.Entry<String, Long> counter : server.rejections().snapshot().entrySet()) {
      text.append("sparkplug_requests_rejected_total{port=\"")
          .append(port)
          .append("\",reason=\"")
          .append(counter.getKey())
          .append("\"} ")
          .append(counter.getValue())
          .append('\n');
    }
    text.append(
        "# HELP sparkplug_reply_latency_seconds Time from admission to the query's reply.\n");
    text.append("# TYPE sparkplug_reply_latency_seconds histogram\n");
    for (HttpService service : services) {
      String labels = labels(port, service.path());
      long[] counts = service.latency().counts();
      long cumulative = 0;
      for (int i = 0; i < LatencyHistogram.BOUNDS_SECONDS.length; i++) {
        cumulative += counts[i];
        text.append("sparkplug_reply_latency_seconds_bucket{")
            .append(labels)
            .append(",le=\"")
            .append(String.format(Locale.ROOT, "%s", LatencyHistogram.BOUNDS_SECONDS[i]))
            .append("\"} ")
            .append(cumulative)
            .append('\n');
      }
      cumulative += counts[counts.length - 1];
      text.append("sparkplug_reply_latency_seconds_bucket{")
          .append(labels)
          .append(",le=\"+Inf\"} ")
          .append(cumulative)
          .append('\n');
      text.append("sparkplug_reply_latency_seconds_sum{")
          .append(labels)
          .append("} ")
          .append(String.format(Locale.ROOT, "%.6f", service.latency().sumSeconds()))
          .append('\n');
      text.append("sparkplug_reply_latency_seconds_count{")
          .append(labels)
          .append("} ")
          .append(cumulative)
          .append('\n');
    }
    return new Reply(
        200, null, null, text.toString().getBytes(StandardCharsets.UTF_8), PROMETHEUS_TEXT, false);
  }

  private static String labels(String port, String path) {
    return "port=\""
        + port
        + "\",path=\""
        + path.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")
        + "\"";
  }
}
