package io.sparkplug.http.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.sparkplug.http.config.ServiceOptions;
import io.sparkplug.http.rows.JsonSchemas;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.types.StructType;

/**
 * The OpenAPI 3.1 description of one server ({@code GET /-/openapi.json}): each service's path
 * (with its {@code {name}} templates as path parameters), its methods, the request body from {@code
 * requestSchema}, the reply from the sink's {@code replySchema} (or the reply contract), and every
 * error the connector itself sends, as RFC 9457 problem bodies. Built per request from the services
 * the server has at that moment, so it is never stale.
 */
final class OpenApiDocument {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern TEMPLATE = Pattern.compile("\\{([^/{}]+)}");
  private static final Set<String> BODY_METHODS = Set.of("POST", "PUT", "PATCH");
  private static final String PROBLEM = "application/problem+json";
  private static final String REF = "#/components/responses/";

  private OpenApiDocument() {}

  /** The document as JSON bytes; {@code host} is the request's {@code Host} header, if usable. */
  static byte[] of(HttpServer server, String host) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(build(server, host));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static ObjectNode build(HttpServer server, String host) {
    HttpService[] services = server.services();
    ObjectNode root = JSON.createObjectNode();
    root.put("openapi", "3.1.0");
    ObjectNode info = root.putObject("info");
    info.put("title", title(server));
    info.put("version", "1");
    StringBuilder summary = new StringBuilder("sparkplug-http services on port ");
    summary.append(server.port()).append(':');
    for (HttpService service : services) {
      summary.append(' ').append(service.path());
    }
    info.put("description", summary.append('.').toString());
    root.putArray("servers")
        .addObject()
        .put("url", (server.settings().tls() ? "https://" : "http://") + authority(server, host))
        .put("description", "port " + server.port());

    boolean secured = false;
    ObjectNode paths = root.putObject("paths");
    List<HttpService> byPath = new ArrayList<>(List.of(services));
    byPath.sort((a, b) -> a.path().compareTo(b.path()));
    boolean oip = false;
    for (HttpService service : byPath) {
      ServiceOptions options = service.options();
      secured |= options.authToken() != null;
      StructType reply = LocalServices.replySchemaFor(server.port(), service.path());
      if (options.oip()) {
        oip = true;
        OipOpenApi.modelPaths(
            paths, options, LocalServices.oipOutputsFor(server.port(), service.path()));
      } else {
        paths.set(service.path(), pathItem(options, reply));
      }
    }
    if (oip) {
      OipOpenApi.serverPaths(paths);
    }
    adminPaths(paths, secured);

    ObjectNode components = root.putObject("components");
    problemSchemas(components.putObject("schemas"));
    if (oip) {
      OipOpenApi.schemas((ObjectNode) components.get("schemas"));
    }
    errorResponses(components.putObject("responses"));
    ObjectNode headers = components.putObject("headers");
    headers
        .putObject("Retry-After")
        .put("description", "Seconds to wait before trying again.")
        .putObject("schema")
        .put("type", "integer")
        .put("minimum", 0);
    if (secured) {
      components
          .putObject("securitySchemes")
          .putObject("bearer")
          .put("type", "http")
          .put("scheme", "bearer")
          .put("description", "The token of the service's authToken option.");
    }
    return root;
  }

  private static String title(HttpServer server) {
    SparkEnv env = SparkEnv.get();
    String app = env == null ? null : env.conf().get("spark.app.name", null);
    return (app == null ? "sparkplug-http" : app) + " on port " + server.port();
  }

  /** The Host the client used (a balancer's name, say), else the bind address and port. */
  private static String authority(HttpServer server, String host) {
    if (host != null
        && host.matches("[A-Za-z0-9.\\-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+](:[0-9]{1,5})?")) {
      return host;
    }
    String bind = server.settings().host();
    if (bind.contains(":")) {
      bind = "[" + bind + "]";
    }
    return bind + ":" + server.port();
  }

  private static ObjectNode pathItem(ServiceOptions options, StructType reply) {
    ObjectNode item = JSON.createObjectNode();
    item.put("summary", "sparkplug-http service " + options.path());
    List<String> names = templateNames(options.path());
    if (!names.isEmpty()) {
      ArrayNode parameters = item.putArray("parameters");
      for (String name : names) {
        parameters
            .addObject()
            .put("name", name)
            .put("in", "path")
            .put("required", true)
            .put("description", "The value of the path segment '{" + name + "}'.")
            .putObject("schema")
            .put("type", "string");
      }
    }
    Set<String> methods = new TreeSet<>(options.methods());
    if (methods.contains("GET")) {
      methods.add("HEAD");
    }
    for (String method : methods) {
      String key = method.toLowerCase(Locale.ROOT);
      if (!Set.of("get", "put", "post", "delete", "patch", "head", "trace").contains(key)) {
        continue; // OpenAPI has no operation field for other methods
      }
      item.set(key, operation(options, method, reply));
    }
    if (!methods.contains("OPTIONS")) {
      item.set("options", optionsOperation(options));
    }
    return item;
  }

  static List<String> templateNames(String path) {
    List<String> names = new ArrayList<>();
    Matcher m = TEMPLATE.matcher(path);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static ObjectNode operation(ServiceOptions options, String method, StructType reply) {
    ObjectNode op = JSON.createObjectNode();
    op.put("operationId", operationId(method, options.path()));
    op.put(
        "summary",
        method.equals("HEAD") && !options.methods().contains("HEAD")
            ? "As GET, without the reply body"
            : method + " " + options.path() + " (answered by the streaming query)");
    if (BODY_METHODS.contains(method)) {
      ObjectNode body = op.putObject("requestBody");
      ObjectNode content = body.putObject("content");
      if (options.requestSchema() != null) {
        body.put("required", true);
        body.put("description", "A JSON object of the service's requestSchema.");
        content
            .putObject("application/json")
            .set("schema", JsonSchemas.of(options.requestSchema()));
      } else {
        body.put("description", "Any body; the query receives its bytes in the 'body' column.");
        content.putObject("*/*").putObject("schema");
      }
    }
    ObjectNode responses = op.putObject("responses");
    ObjectNode ok = responses.putObject("200");
    boolean head = method.equals("HEAD");
    if (reply != null) {
      ok.put("description", "The query's reply: a JSON object of the sink's replySchema.");
      if (!head) {
        ok.putObject("content").putObject("application/json").set("schema", JsonSchemas.of(reply));
      }
    } else {
      ok.put(
          "description",
          "The query's reply: the body column (string as text/plain, binary as"
              + " application/octet-stream, unless the headers column sets Content-Type).");
      if (!head) {
        ok.putObject("content").putObject("*/*").putObject("schema");
      }
    }
    responses
        .putObject("default")
        .put(
            "description",
            "Any other status the query sets in the status column, with its headers column.");
    List<String> errors = new ArrayList<>(List.of("400"));
    if (options.authToken() != null) {
      errors.add("401");
    }
    errors.addAll(List.of("404", "405", "408", "413", "414"));
    if (options.requestSchema() != null && BODY_METHODS.contains(method)) {
      errors.add("415");
    }
    errors.addAll(List.of("417", "431", "500", "503", "504"));
    for (String status : errors) {
      responses.putObject(status).put("$ref", REF + ERROR_NAMES.get(status));
    }
    if (options.authToken() != null) {
      op.putArray("security").addObject().putArray("bearer");
    }
    return op;
  }

  private static ObjectNode optionsOperation(ServiceOptions options) {
    ObjectNode op = JSON.createObjectNode();
    op.put("operationId", operationId("OPTIONS", options.path()));
    op.put(
        "summary",
        "Answered by the server: the allowed methods, or a CORS preflight"
            + (options.corsOrigins().isEmpty() ? "" : " (origins " + options.corsOrigins() + ")"));
    ObjectNode responses = op.putObject("responses");
    ObjectNode noContent = responses.putObject("204");
    noContent.put("description", "No body; Allow, and for an allowed origin the CORS headers.");
    ObjectNode headers = noContent.putObject("headers");
    headers
        .putObject("Allow")
        .put("description", "The methods of the service: " + options.allowHeader())
        .putObject("schema")
        .put("type", "string");
    if (!options.corsOrigins().isEmpty()) {
      for (String name :
          List.of(
              "Access-Control-Allow-Origin",
              "Access-Control-Allow-Methods",
              "Access-Control-Allow-Headers",
              "Access-Control-Max-Age")) {
        headers.putObject(name).putObject("schema").put("type", "string");
      }
    }
    responses.putObject("400").put("$ref", REF + ERROR_NAMES.get("400"));
    return op;
  }

  private static void adminPaths(ObjectNode paths, boolean secured) {
    admin(paths, AdminEndpoints.HEALTH, "health", "Health of the services on this port.", false)
        .putObject("content")
        .putObject("application/json")
        .putObject("schema")
        .put("type", "object");
    admin(paths, AdminEndpoints.METRICS, "metrics", "Prometheus text metrics.", secured)
        .putObject("content")
        .putObject("text/plain")
        .putObject("schema")
        .put("type", "string");
    admin(paths, AdminEndpoints.OPENAPI, "openApi", "This OpenAPI document.", secured)
        .putObject("content")
        .putObject("application/json")
        .putObject("schema")
        .put("type", "object");
  }

  /** An admin GET operation; returns its 200 response for the caller to describe. */
  private static ObjectNode admin(
      ObjectNode paths, String path, String id, String summary, boolean secured) {
    ObjectNode op = paths.putObject(path).putObject("get");
    op.put("operationId", id);
    op.put("summary", summary);
    op.putArray("tags").add("server");
    ObjectNode responses = op.putObject("responses");
    ObjectNode ok = responses.putObject("200");
    ok.put("description", summary);
    if (path.equals(AdminEndpoints.HEALTH)) {
      responses
          .putObject("503")
          .put("description", "Some service is not serving.")
          .putObject("content")
          .putObject("application/json")
          .putObject("schema")
          .put("type", "object");
    }
    if (secured) {
      responses.putObject("401").put("$ref", REF + ERROR_NAMES.get("401"));
      op.putArray("security").addObject().putArray("bearer");
    }
    return ok;
  }

  private static String operationId(String method, String path) {
    StringBuilder id = new StringBuilder(method.toLowerCase(Locale.ROOT));
    boolean upper = true;
    for (char c : path.toCharArray()) {
      if (Character.isLetterOrDigit(c)) {
        id.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      } else {
        upper = true;
      }
    }
    return path.equals("/") ? id.append("Root").toString() : id.toString();
  }

  private static final java.util.Map<String, String> ERROR_NAMES =
      java.util.Map.ofEntries(
          java.util.Map.entry("400", "BadRequest"),
          java.util.Map.entry("401", "Unauthorized"),
          java.util.Map.entry("404", "NotFound"),
          java.util.Map.entry("405", "MethodNotAllowed"),
          java.util.Map.entry("408", "RequestTimeout"),
          java.util.Map.entry("413", "ContentTooLarge"),
          java.util.Map.entry("414", "UriTooLong"),
          java.util.Map.entry("415", "UnsupportedMediaType"),
          java.util.Map.entry("417", "ExpectationFailed"),
          java.util.Map.entry("431", "HeaderFieldsTooLarge"),
          java.util.Map.entry("500", "InternalServerError"),
          java.util.Map.entry("503", "ServiceUnavailable"),
          java.util.Map.entry("504", "GatewayTimeout"));

  private static void problemSchemas(ObjectNode schemas) {
    ObjectNode problem = schemas.putObject("Problem");
    problem.put("type", "object");
    problem.put("description", "An RFC 9457 problem detail, as the connector sends its errors.");
    ObjectNode props = problem.putObject("properties");
    props
        .putObject("type")
        .put("type", "string")
        .put("format", "uri-reference")
        .put("description", "about:blank for plain HTTP errors")
        .putArray("examples")
        .add("about:blank");
    props.putObject("title").put("type", "string").put("description", "the reason phrase");
    props.putObject("status").put("type", "integer").put("minimum", 400).put("maximum", 599);
    props.putObject("detail").put("type", "string");
    problem.putArray("required").add("type").add("title").add("status");

    ObjectNode invalid = schemas.putObject("InvalidRequestProblem");
    invalid.put("description", "400 for a body that does not match the service's requestSchema.");
    ArrayNode all = invalid.putArray("allOf");
    all.addObject().put("$ref", "#/components/schemas/Problem");
    ObjectNode own = all.addObject();
    own.put("type", "object");
    ObjectNode ownProps = own.putObject("properties");
    ownProps.putObject("type").put("const", "urn:sparkplug-http:problem:invalid-request");
    ownProps.putObject("title").put("const", "Invalid request body");
    ownProps.putObject("status").put("const", 400);
    ObjectNode item = ownProps.putObject("errors").put("type", "array").putObject("items");
    item.put("type", "object");
    ObjectNode itemProps = item.putObject("properties");
    itemProps
        .putObject("pointer")
        .put("type", "string")
        .put("description", "JSON Pointer (RFC 6901) of the failing value, such as /items/0");
    itemProps.putObject("detail").put("type", "string");
    item.putArray("required").add("pointer").add("detail");
    own.putArray("required").add("errors");
  }

  private static void errorResponses(ObjectNode responses) {
    ObjectNode badRequest =
        error(responses, "400", "Malformed request, or a body that does not match requestSchema.");
    badRequest
        .putObject("schema")
        .putArray("oneOf")
        .add(JSON.createObjectNode().put("$ref", "#/components/schemas/InvalidRequestProblem"))
        .add(JSON.createObjectNode().put("$ref", "#/components/schemas/Problem"));
    ObjectNode invalid = badRequest.putObject("example");
    invalid
        .put("type", "urn:sparkplug-http:problem:invalid-request")
        .put("title", "Invalid request body")
        .put("status", 400)
        .put("detail", "The body does not match the service's requestSchema.")
        .putArray("errors")
        .addObject()
        .put("pointer", "/quantity")
        .put("detail", "expected an integer");
    ObjectNode unauthorized =
        plainError(responses, "401", "Missing or wrong bearer token (option authToken).");
    unauthorized
        .putObject("headers")
        .putObject("WWW-Authenticate")
        .putObject("schema")
        .put("type", "string");
    plainError(responses, "404", "No service answers this path on this port.");
    plainError(responses, "405", "Method outside the service's methods option.")
        .putObject("headers")
        .putObject("Allow")
        .putObject("schema")
        .put("type", "string");
    plainError(responses, "408", "The request was not received within readTimeout.");
    plainError(responses, "413", "The body is larger than maxBodyBytes.");
    plainError(responses, "414", "The request line is longer than maxInitialLineLength.");
    plainError(
        responses, "415", "The Content-Type is not JSON while the service has a requestSchema.");
    plainError(responses, "417", "An Expect other than 100-continue.");
    plainError(responses, "431", "The header block is larger than maxHeaderBytes.");
    plainError(responses, "500", "The query failed before it replied.");
    plainError(responses, "503", "Too many pending requests, or the service is stopping.")
        .putObject("headers")
        .putObject("Retry-After")
        .put("$ref", "#/components/headers/Retry-After");
    plainError(responses, "504", "No reply within requestTimeout.");
  }

  private static ObjectNode plainError(ObjectNode responses, String status, String description) {
    ObjectNode media = error(responses, status, description);
    media.putObject("schema").put("$ref", "#/components/schemas/Problem");
    int code = Integer.parseInt(status);
    media
        .putObject("example")
        .put("type", "about:blank")
        .put("title", HttpResponseStatus.valueOf(code).reasonPhrase())
        .put("status", code)
        .put("detail", description);
    return (ObjectNode) responses.get(ERROR_NAMES.get(status));
  }

  /** Adds the named response; returns its problem media type object. */
  private static ObjectNode error(ObjectNode responses, String status, String description) {
    ObjectNode response = responses.putObject(ERROR_NAMES.get(status));
    response.put("description", status + ": " + description);
    return response.putObject("content").putObject(PROBLEM);
  }
}
