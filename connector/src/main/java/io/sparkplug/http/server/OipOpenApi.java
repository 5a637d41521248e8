package io.sparkplug.http.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkplug.http.config.ServiceOptions;
import io.sparkplug.http.oip.OipDocuments;
import org.apache.spark.sql.types.StructType;

/**
 * The OpenAPI paths of the Open Inference Protocol on a port with {@code protocol=oip} services:
 * the server's {@code /v2} endpoints and, per model, metadata, readiness and {@code infer}, with
 * the protocol's schemas (after its {@code open_inference_rest.yaml}) under {@code
 * components.schemas} as {@code oip_*}.
 */
final class OipOpenApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SCHEMAS = "#/components/schemas/";

  private OipOpenApi() {}

  static void serverPaths(ObjectNode paths) {
    get(
        paths,
        "/v2",
        "oipServerMetadata",
        "Server metadata (Open Inference Protocol).",
        "oip_metadata_server_response",
        false);
    get(paths, "/v2/health/live", "oipServerLive", "Server live.", "oip_live_response", false);
    get(
        paths,
        "/v2/health/ready",
        "oipServerReady",
        "Server ready: every model's query serves (503 when not).",
        "oip_ready_response",
        true);
  }

  static void modelPaths(ObjectNode paths, ServiceOptions options, StructType outputs) {
    String base = options.path();
    String model = options.model();
    String id = operationPart(model);
    addModel(paths, base, "oip" + id, options, outputs);
    if (options.modelVersion() != null) {
      addModel(
          paths,
          base + "/versions/" + options.modelVersion(),
          "oip" + id + "V" + operationPart(options.modelVersion()),
          options,
          outputs);
    }
  }

  private static void addModel(
      ObjectNode paths, String base, String id, ServiceOptions options, StructType outputs) {
    ObjectNode meta =
        get(
            paths,
            base,
            id + "Metadata",
            "Model metadata of " + options.model() + ".",
            "oip_metadata_model_response",
            false);
    ObjectNode example =
        OipDocuments.modelMetadata(
            options.model(), options.modelVersion(), options.requestSchema(), outputs);
    ((ObjectNode) meta.get("responses").get("200").get("content").get("application/json"))
        .set("example", example);
    get(
        paths,
        base + "/ready",
        id + "Ready",
        "Model ready (503 when not).",
        "oip_ready_model_response",
        true);
    ObjectNode op = paths.putObject(base + "/infer").putObject("post");
    op.put("operationId", id + "Infer");
    op.put("summary", "Inference, answered by the streaming query.");
    op.putArray("tags").add("inference");
    StringBuilder inputs = new StringBuilder("Inputs:");
    for (ObjectNode tensor : tensors(example.get("inputs"))) {
      inputs
          .append(' ')
          .append(tensor.get("name").asText())
          .append(' ')
          .append(tensor.get("datatype").asText())
          .append(' ')
          .append(tensor.get("shape"));
    }
    ObjectNode body = op.putObject("requestBody");
    body.put("required", true);
    body.put("description", inputs.append('.').toString());
    body.putObject("content")
        .putObject("application/json")
        .putObject("schema")
        .put("$ref", SCHEMAS + "oip_inference_request");
    ObjectNode responses = op.putObject("responses");
    json(responses.putObject("200"), "The inference response.", "oip_inference_response");
    for (String status : new String[] {"400", "404", "405", "413", "415", "500", "503", "504"}) {
      json(
          responses.putObject(status),
          status + ": the protocol's error object.",
          "oip_error_response");
    }
    if (options.authToken() != null) {
      responses.putObject("401").put("$ref", "#/components/responses/Unauthorized");
      op.putArray("security").addObject().putArray("bearer");
    }
  }

  private static java.util.List<ObjectNode> tensors(com.fasterxml.jackson.databind.JsonNode list) {
    java.util.List<ObjectNode> out = new java.util.ArrayList<>();
    list.forEach(node -> out.add((ObjectNode) node));
    return out;
  }

  private static ObjectNode get(
      ObjectNode paths, String path, String id, String summary, String schema, boolean unready) {
    ObjectNode op = paths.putObject(path).putObject("get");
    op.put("operationId", id);
    op.put("summary", summary);
    op.putArray("tags").add("inference");
    ObjectNode responses = op.putObject("responses");
    json(responses.putObject("200"), summary, schema);
    if (unready) {
      json(responses.putObject("503"), "Not ready.", schema);
    }
    json(responses.putObject("404"), "404: the protocol's error object.", "oip_error_response");
    json(responses.putObject("405"), "405: the protocol's error object.", "oip_error_response");
    return op;
  }

  private static void json(ObjectNode response, String description, String schema) {
    response.put("description", description);
    response
        .putObject("content")
        .putObject("application/json")
        .putObject("schema")
        .put("$ref", SCHEMAS + schema);
  }

  private static String operationPart(String text) {
    StringBuilder out = new StringBuilder();
    boolean upper = true;
    for (char c : text.toCharArray()) {
      if (Character.isLetterOrDigit(c)) {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      } else {
        upper = true;
      }
    }
    return out.toString();
  }

  /** The protocol's schemas, as its open_inference_rest.yaml defines them. */
  static void schemas(ObjectNode schemas) {
    object(schemas, "oip_metadata_server_response", "name", "version", "extensions")
        .with("properties")
        .set("extensions", stringArray());
    ObjectNode model = object(schemas, "oip_metadata_model_response", "name", "platform");
    ObjectNode props = model.with("properties");
    props.set("versions", stringArray());
    props
        .putObject("inputs")
        .put("type", "array")
        .putObject("items")
        .put("$ref", SCHEMAS + "oip_metadata_tensor");
    props
        .putObject("outputs")
        .put("type", "array")
        .putObject("items")
        .put("$ref", SCHEMAS + "oip_metadata_tensor");
    ObjectNode meta = object(schemas, "oip_metadata_tensor", "name", "datatype", "shape");
    meta.with("properties")
        .putObject("shape")
        .put("type", "array")
        .putObject("items")
        .put("type", "integer");
    ObjectNode live = schemas.putObject("oip_live_response").put("type", "object");
    live.putObject("properties").putObject("live").put("type", "boolean");
    ObjectNode ready = schemas.putObject("oip_ready_response").put("type", "object");
    ready.putObject("properties").putObject("ready").put("type", "boolean");
    ObjectNode readyModel = object(schemas, "oip_ready_model_response", "name", "ready");
    readyModel.with("properties").putObject("ready").put("type", "boolean");
    object(schemas, "oip_error_response", "error");
    schemas.putObject("oip_parameters").put("type", "object");
    ObjectNode request = schemas.putObject("oip_inference_request").put("type", "object");
    ObjectNode rp = request.putObject("properties");
    rp.putObject("id").put("type", "string");
    rp.putObject("parameters").put("$ref", SCHEMAS + "oip_parameters");
    rp.putObject("inputs")
        .put("type", "array")
        .putObject("items")
        .put("$ref", SCHEMAS + "oip_request_input");
    rp.putObject("outputs")
        .put("type", "array")
        .putObject("items")
        .put("$ref", SCHEMAS + "oip_request_output");
    request.putArray("required").add("inputs");
    tensor(schemas, "oip_request_input");
    tensor(schemas, "oip_response_output");
    ObjectNode output = object(schemas, "oip_request_output", "name");
    output.with("properties").putObject("parameters").put("$ref", SCHEMAS + "oip_parameters");
    ObjectNode data = schemas.putObject("oip_tensor_data").put("type", "array");
    ArrayNode any = data.putObject("items").putArray("anyOf");
    any.addObject().put("$ref", SCHEMAS + "oip_tensor_data");
    any.addObject().put("type", "number");
    any.addObject().put("type", "string");
    any.addObject().put("type", "boolean");
    ObjectNode response = object(schemas, "oip_inference_response", "model_name", "outputs");
    ObjectNode resp = response.with("properties");
    resp.putObject("model_version").put("type", "string");
    resp.putObject("id").put("type", "string");
    resp.putObject("parameters").put("$ref", SCHEMAS + "oip_parameters");
    resp.putObject("outputs")
        .put("type", "array")
        .putObject("items")
        .put("$ref", SCHEMAS + "oip_response_output");
  }

  private static void tensor(ObjectNode schemas, String name) {
    ObjectNode tensor = object(schemas, name, "name", "shape", "datatype", "data");
    ObjectNode props = tensor.with("properties");
    props.putObject("shape").put("type", "array").putObject("items").put("type", "integer");
    props.putObject("parameters").put("$ref", SCHEMAS + "oip_parameters");
    props.putObject("data").put("$ref", SCHEMAS + "oip_tensor_data");
  }

  /** An object schema whose named properties are required strings (refined by the caller). */
  private static ObjectNode object(ObjectNode schemas, String name, String... required) {
    ObjectNode schema = schemas.putObject(name).put("type", "object");
    ObjectNode props = schema.putObject("properties");
    ArrayNode list = schema.putArray("required");
    for (String field : required) {
      props.putObject(field).put("type", "string");
      list.add(field);
    }
    return schema;
  }

  private static ObjectNode stringArray() {
    ObjectNode node = JSON.createObjectNode().put("type", "array");
    node.putObject("items").put("type", "string");
    return node;
  }
}
