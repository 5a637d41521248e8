package io.sparkplug.http.server;

import io.sparkplug.http.oip.OipDocuments;
import io.sparkplug.http.reply.Reply;
import io.sparkplug.http.server.RequestChecks.Reason;

/**
 * The paths of the Open Inference Protocol on a port with {@code protocol=oip} services: the
 * server's {@code /v2}, {@code /v2/health/live} and {@code /v2/health/ready}, and each model's
 * metadata, readiness and {@code infer} under {@code /v2/models/<name>[/versions/<v>]}. Everything
 * but {@code infer} is answered here, on the event loop; errors are the protocol's {@code {"error":
 * ...}} objects.
 */
final class OipRoutes {
  static final String PREFIX = "/v2";
  private static final String GET_ALLOW = "GET, HEAD";

  private OipRoutes() {}

  /** What the server answers itself, or {@link #INFER} for a request the query must answer. */
  record Answer(Reply reply, Reason rejected) {}

  /** Admit the request: it is an inference request of the service's model. */
  static final Answer INFER = new Answer(null, null);

  /** True when {@code path} is the protocol's and a service of the server speaks it. */
  static boolean owns(HttpServer server, String path) {
    if (!(path.equals(PREFIX) || path.startsWith(PREFIX + "/"))) {
      return false;
    }
    for (HttpService service : server.services()) {
      if (service.options().oip()) {
        return true;
      }
    }
    return false;
  }

  /** The server's own paths: {@code /v2} and its health, whatever service a prefix names. */
  static boolean serverPath(String path) {
    return path.equals(PREFIX)
        || path.equals(PREFIX + "/")
        || path.equals(PREFIX + "/health/live")
        || path.equals(PREFIX + "/health/ready");
  }

  /**
   * The answer to {@code method path}; {@code service} is the OIP service the path names, or null
   * when none does (then only the server's own paths exist).
   */
  static Answer route(HttpServer server, HttpService service, String method, String path) {
    boolean get = method.equals("GET") || method.equals("HEAD");
    if (method.equals("OPTIONS") && serverPath(path)) {
      // As for /-/health: the methods, from the server (a model's paths get the service's answer).
      return ok(
          new Reply(204, null, null, null, null, false)
              .withHeader("Allow", GET_ALLOW + ", OPTIONS"));
    }
    if (path.equals(PREFIX) || path.equals(PREFIX + "/")) {
      return get
          ? ok(OipDocuments.json(200, OipDocuments.serverMetadata(version())))
          : notAllowed(method, GET_ALLOW);
    }
    if (path.equals(PREFIX + "/health/live")) {
      return get ? ok(OipDocuments.json(200, live())) : notAllowed(method, GET_ALLOW);
    }
    if (path.equals(PREFIX + "/health/ready")) {
      if (!get) {
        return notAllowed(method, GET_ALLOW);
      }
      boolean ready = true;
      for (HttpService each : server.services()) {
        ready &= !each.options().oip() || each.isHealthy();
      }
      return ok(
          OipDocuments.json(
              ready ? 200 : 503,
              com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                  .objectNode()
                  .put("ready", ready)));
    }
    String models = PREFIX + "/models/";
    if (service == null || !service.options().oip()) {
      if (path.startsWith(models) && path.length() > models.length()) {
        String rest = path.substring(models.length());
        int slash = rest.indexOf('/');
        String name = slash < 0 ? rest : rest.substring(0, slash);
        return notFound("unknown model '" + name + "'");
      }
      return notFound("no such path of the inference protocol: " + path);
    }
    String model = service.options().model();
    String version = service.options().modelVersion();
    String rest = path.substring(service.path().length());
    if (rest.startsWith("/versions/")) {
      String tail = rest.substring("/versions/".length());
      int slash = tail.indexOf('/');
      String asked = slash < 0 ? tail : tail.substring(0, slash);
      if (version == null || !version.equals(asked)) {
        return notFound(
            "unknown version '"
                + asked
                + "' of model '"
                + model
                + "'"
                + (version == null ? " (it has no versions)" : "; it has version " + version));
      }
      rest = slash < 0 ? "" : tail.substring(slash);
    }
    switch (rest) {
      case "", "/" -> {
        return get
            ? ok(
                OipDocuments.json(
                    200,
                    OipDocuments.modelMetadata(
                        model,
                        version,
                        service.options().requestSchema(),
                        LocalServices.oipOutputsFor(server.port(), service.path()))))
            : notAllowed(method, GET_ALLOW);
      }
      case "/ready" -> {
        if (!get) {
          return notAllowed(method, GET_ALLOW);
        }
        boolean ready = service.isHealthy();
        return ok(
            OipDocuments.json(
                ready ? 200 : 503,
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                    .objectNode()
                    .put("name", model)
                    .put("ready", ready)));
      }
      case "/infer" -> {
        return method.equals("POST") ? INFER : notAllowed(method, "POST");
      }
      default -> {
        return notFound("no such path of model '" + model + "': " + path);
      }
    }
  }

  private static com.fasterxml.jackson.databind.node.ObjectNode live() {
    return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
        .objectNode()
        .put("live", true);
  }

  /** The connector's version, from the jar's manifest; {@code dev} when run from classes. */
  static String version() {
    String version = OipRoutes.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  private static Answer ok(Reply reply) {
    return new Answer(reply, null);
  }

  private static Answer notFound(String message) {
    return new Answer(OipDocuments.error(404, message), Reason.NOT_FOUND);
  }

  private static Answer notAllowed(String method, String allow) {
    return new Answer(
        OipDocuments.error(405, "method " + method + " is not allowed here; use " + allow)
            .withHeader("Allow", allow),
        Reason.METHOD_NOT_ALLOWED);
  }
}
