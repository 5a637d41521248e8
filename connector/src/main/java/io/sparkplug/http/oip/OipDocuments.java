package io.sparkplug.http.oip;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkplug.http.reply.Reply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The protocol's JSON documents: the error object, health and metadata responses, and the inference
 * response the server assembles around the outputs the sink wrote.
 */
public final class OipDocuments {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String APPLICATION_JSON = "application/json";

  /** The server metadata's {@code name}. */
  public static final String SERVER_NAME = "sparkplug-http";

  /** The model metadata's {@code platform}: information only in the protocol. */
  public static final String PLATFORM = "spark_sql";

  /**
   * The header the sink's {@code protocol=oip} replies carry to say "the body is the outputs
   * array": the server of an OIP service wraps that body in the inference response and drops the
   * header. It travels with forwarded replies like any header, so both modes work the same.
   */
  public static final String OUTPUTS_MARKER = "x-sparkplug-oip-outputs";

  private OipDocuments() {}

  /** {@code {"error": message}} with {@code status}. */
  public static Reply error(int status, String message) {
    ObjectNode node = JSON.createObjectNode().put("error", message);
    return json(status, node);
  }

  public static Reply json(int status, JsonNode node) {
    try {
      return new Reply(status, null, null, JSON.writeValueAsBytes(node), APPLICATION_JSON, false);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A problem document of the connector turned into the protocol's error object. */
  public static Reply fromProblem(Reply problem) {
    if (!Reply.PROBLEM_JSON.equals(problem.defaultContentType())) {
      return problem;
    }
    String message = Reply.reasonPhrase(problem.status());
    try {
      JsonNode node = JSON.readTree(problem.body());
      if (node != null && node.hasNonNull("detail")) {
        message = node.get("detail").asText();
      }
    } catch (IOException e) {
      // keep the reason phrase
    }
    ObjectNode error = JSON.createObjectNode().put("error", message);
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(error);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return new Reply(
        problem.status(),
        problem.headerNames(),
        problem.headerValues(),
        body,
        APPLICATION_JSON,
        problem.closeConnection());
  }

  public static ObjectNode serverMetadata(String version) {
    ObjectNode node = JSON.createObjectNode();
    node.put("name", SERVER_NAME);
    node.put("version", version);
    node.putArray("extensions");
    return node;
  }

  /**
   * The model metadata: inputs from the request schema, outputs from the reply columns the sink
   * registered ({@code outputs} null: not known yet, listed as none).
   */
  public static ObjectNode modelMetadata(
      String model, String version, StructType inputs, StructType outputs) {
    ObjectNode node = JSON.createObjectNode();
    node.put("name", model);
    if (version != null) {
      node.putArray("versions").add(version);
    }
    node.put("platform", PLATFORM);
    tensors(node.putArray("inputs"), inputs);
    tensors(node.putArray("outputs"), outputs);
    return node;
  }

  private static void tensors(ArrayNode list, StructType schema) {
    if (schema == null) {
      return;
    }
    for (StructField field : schema.fields()) {
      String datatype = Tensors.datatype(field.dataType());
      if (datatype == null) {
        continue;
      }
      ObjectNode tensor = list.addObject();
      tensor.put("name", field.name());
      tensor.put("datatype", datatype);
      ArrayNode shape = tensor.putArray("shape");
      for (long dim : Tensors.metadataShape(field.dataType())) {
        shape.add(dim);
      }
    }
  }

  /**
   * The client's reply: for a reply of the sink's {@code protocol=oip} (it carries {@link
   * #OUTPUTS_MARKER}), the inference response around its outputs, keeping only the outputs the
   * client named (400 when it named one the model did not produce); a problem document of the
   * connector as the error object; any other reply as it is.
   */
  public static Reply finish(
      Reply reply, String model, String version, String clientId, List<String> requested) {
    int marker = markerIndex(reply);
    if (marker < 0) {
      return fromProblem(reply);
    }
    StringBuilder head = new StringBuilder(96);
    head.append("{\"model_name\":").append(quote(model));
    if (version != null) {
      head.append(",\"model_version\":").append(quote(version));
    }
    if (clientId != null) {
      head.append(",\"id\":").append(quote(clientId));
    }
    head.append(",\"outputs\":");
    byte[] outputs = reply.body();
    if (requested != null) {
      try {
        outputs = select(outputs, requested);
      } catch (UnknownOutput e) {
        return error(400, e.getMessage());
      }
    }
    byte[] start = head.toString().getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[start.length + outputs.length + 1];
    System.arraycopy(start, 0, body, 0, start.length);
    System.arraycopy(outputs, 0, body, start.length, outputs.length);
    body[body.length - 1] = '}';
    Reply plain = withoutHeader(reply, marker);
    return new Reply(
        reply.status(),
        plain.headerNames(),
        plain.headerValues(),
        body,
        APPLICATION_JSON,
        reply.closeConnection());
  }

  private static int markerIndex(Reply reply) {
    String[] names = reply.headerNames();
    for (int i = 0; i < names.length; i++) {
      if (OUTPUTS_MARKER.equalsIgnoreCase(names[i])) {
        return i;
      }
    }
    return -1;
  }

  /** The reply without the marker, for a service that does not speak the protocol. */
  public static Reply withoutMarker(Reply reply) {
    int marker = markerIndex(reply);
    if (marker < 0) {
      return reply;
    }
    return withoutHeader(reply, marker);
  }

  private static Reply withoutHeader(Reply reply, int marker) {
    List<String> names = new ArrayList<>();
    List<String> values = new ArrayList<>();
    for (int i = 0; i < reply.headerNames().length; i++) {
      if (i != marker) {
        names.add(reply.headerNames()[i]);
        values.add(reply.headerValues()[i]);
      }
    }
    return new Reply(
        reply.status(),
        names.toArray(new String[0]),
        values.toArray(new String[0]),
        reply.body(),
        reply.defaultContentType(),
        reply.closeConnection());
  }

  private static final class UnknownOutput extends Exception {
    private static final long serialVersionUID = 1L;

    UnknownOutput(String message) {
      super(message, null, false, false);
    }
  }

  private static byte[] select(byte[] outputs, List<String> requested) throws UnknownOutput {
    try {
      JsonNode all = JSON.readTree(outputs);
      ArrayNode chosen = JSON.createArrayNode();
      for (String name : requested) {
        JsonNode found = null;
        List<String> known = new ArrayList<>();
        for (JsonNode output : all) {
          known.add(output.path("name").asText());
          if (output.path("name").asText().equals(name)) {
            found = output;
          }
        }
        if (found == null) {
          throw new UnknownOutput(
              "unknown output '" + name + "'; the model's outputs are " + String.join(", ", known));
        }
        chosen.add(found);
      }
      return JSON.writeValueAsBytes(chosen);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String quote(String text) {
    try {
      return JSON.writeValueAsString(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
