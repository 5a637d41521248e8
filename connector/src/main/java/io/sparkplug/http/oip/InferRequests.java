package io.sparkplug.http.oip;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkplug.http.rows.IntegralTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.VarcharType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * An inference request ({@code POST /v2/models/<m>/infer}) checked against the model's inputs (the
 * {@code requestSchema} fields) and converted to the {@code request} column's {@code UnsafeRow}
 * bytes, on the Netty thread that gathered the body, before admission: a bad request gets 400 with
 * the protocol's {@code {"error": ...}} and never reaches the query.
 *
 * <p>Rules: every declared input is required, an undeclared one is refused; {@code datatype} must
 * be the input's ({@link Tensors}); {@code shape} must hold exactly as many elements as {@code
 * data} (flat, or nested in the natural multi-dimensional form: nesting is flattened in row-major
 * order); a scalar input takes any shape of one element ({@code [1]}, {@code [1,1]}), an {@code
 * ARRAY<T>} input the shape {@code [n]} (leading dimensions of 1 allowed: {@code [1,n]}), an {@code
 * ARRAY<ARRAY<T>>} input {@code [r,c]} (likewise {@code [1,r,c]}). Elements are not coerced: an
 * integer type takes integers in range, a float type any number, {@code BOOL} {@code true}/{@code
 * false}, {@code BYTES} strings; {@code null} is refused. Request and input {@code parameters} are
 * accepted when they are objects, and ignored; {@code outputs} names the outputs to return.
 */
public final class InferRequests {
  private final StructType schema;
  private final Map<String, Integer> index = new HashMap<>();
  private final ObjectMapper mapper;
  private final ThreadLocal<UnsafeProjection> projection;

  /** A checked request: the row bytes, the client's {@code id} and requested outputs (or null). */
  public record Parsed(byte[] row, String clientId, List<String> outputs) {}

  /** Why a request was refused: the message of the protocol's error object. */
  public static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  public InferRequests(StructType schema, int maxDepth, int maxBodyBytes) {
    this.schema = schema;
    StructField[] fields = schema.fields();
    for (int i = 0; i < fields.length; i++) {
      index.put(fields[i].name(), i);
    }
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(maxDepth)
                    .maxStringLength(Math.max(1, maxBodyBytes))
                    .maxDocumentLength(Math.max(1, maxBodyBytes))
                    .maxNumberLength(1000)
                    .build())
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    this.mapper = new ObjectMapper(factory);
    this.projection = ThreadLocal.withInitial(() -> UnsafeProjection.create(schema));
    projection.get();
  }

  public int fieldCount() {
    return schema.fields().length;
  }

  public Parsed parse(byte[] body) throws Invalid {
    if (body.length == 0) {
      throw new Invalid(
          "the request body is empty; an inference request (a JSON object) is required");
    }
    JsonNode root;
    try {
      root = mapper.readTree(body);
    } catch (StreamConstraintsException e) {
      throw new Invalid("the request body exceeds a JSON limit: " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new Invalid("the request body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (root == null || !root.isObject()) {
      throw new Invalid("the inference request must be a JSON object");
    }
    String clientId = null;
    JsonNode id = root.get("id");
    if (id != null && !id.isNull()) {
      if (!id.isTextual()) {
        throw new Invalid("'id' must be a string");
      }
      clientId = id.asText();
    }
    parameters(root.get("parameters"), "'parameters'");
    JsonNode inputs = root.get("inputs");
    if (inputs == null || !inputs.isArray()) {
      throw new Invalid("'inputs' must be an array of input tensors");
    }
    StructField[] fields = schema.fields();
    Object[] values = new Object[fields.length];
    boolean[] seen = new boolean[fields.length];
    for (int n = 0; n < inputs.size(); n++) {
      JsonNode input = inputs.get(n);
      if (!input.isObject()) {
        throw new Invalid("inputs[" + n + "] must be an object");
      }
      JsonNode name = input.get("name");
      if (name == null || !name.isTextual()) {
        throw new Invalid("inputs[" + n + "] needs a 'name' string");
      }
      Integer at = index.get(name.asText());
      if (at == null) {
        throw new Invalid(
            "unknown input '" + name.asText() + "'; the model's inputs are " + inputNames());
      }
      if (seen[at]) {
        throw new Invalid("input '" + name.asText() + "' is given twice");
      }
      seen[at] = true;
      values[at] = tensor(fields[at], input);
    }
    for (int i = 0; i < fields.length; i++) {
      if (!seen[i]) {
        throw new Invalid(
            "missing input '"
                + fields[i].name()
                + "' ("
                + Tensors.datatype(fields[i].dataType())
                + ", shape "
                + java.util.Arrays.toString(Tensors.metadataShape(fields[i].dataType()))
                    .replace(" ", "")
                + ")");
      }
    }
    List<String> outputs = null;
    JsonNode requested = root.get("outputs");
    if (requested != null && !requested.isNull()) {
      if (!requested.isArray()) {
        throw new Invalid("'outputs' must be an array of {\"name\": ...} objects");
      }
      outputs = new ArrayList<>();
      for (int n = 0; n < requested.size(); n++) {
        JsonNode output = requested.get(n);
        JsonNode name = output.get("name");
        if (!output.isObject() || name == null || !name.isTextual()) {
          throw new Invalid("outputs[" + n + "] needs a 'name' string");
        }
        parameters(output.get("parameters"), "outputs[" + n + "].parameters");
        outputs.add(name.asText());
      }
    }
    byte[] row = projection.get().apply(new GenericInternalRow(values)).getBytes();
    return new Parsed(row, clientId, outputs);
  }

  private String inputNames() {
    StringBuilder names = new StringBuilder();
    for (StructField field : schema.fields()) {
      names.append(names.length() == 0 ? "" : ", ").append(field.name());
    }
    return names.toString();
  }

  /** Parameters are accepted and ignored: none are defined by the protocol. */
  private static void parameters(JsonNode node, String where) throws Invalid {
    if (node != null && !node.isNull() && !node.isObject()) {
      throw new Invalid(where + " must be an object");
    }
  }

  private Object tensor(StructField field, JsonNode input) throws Invalid {
    String name = field.name();
    DataType type = field.dataType();
    String expected = Tensors.datatype(type);
    JsonNode datatype = input.get("datatype");
    if (datatype == null || !datatype.isTextual()) {
      throw new Invalid("input '" + name + "' needs a 'datatype' string (" + expected + ")");
    }
    if (!datatype.asText().equals(expected)) {
      throw new Invalid(
          "input '"
              + name
              + "' has datatype "
              + datatype.asText()
              + ", but the model takes "
              + expected);
    }
    parameters(input.get("parameters"), "input '" + name + "' parameters");
    JsonNode shapeNode = input.get("shape");
    if (shapeNode == null || !shapeNode.isArray()) {
      throw new Invalid("input '" + name + "' needs a 'shape' array of dimensions");
    }
    long[] shape = new long[shapeNode.size()];
    long elements = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode dim = shapeNode.get(i);
      if (!dim.isIntegralNumber() || !dim.canConvertToLong() || dim.asLong() < 0) {
        throw new Invalid(
            "input '" + name + "': shape " + shapeNode + " must list non-negative integers");
      }
      shape[i] = dim.asLong();
      elements = multiply(elements, shape[i], name);
    }
    JsonNode data = input.get("data");
    if (data == null || !data.isArray()) {
      throw new Invalid(
          "input '"
              + name
              + "' needs a 'data' array (the binary tensor extension is not supported)");
    }
    List<JsonNode> flat = new ArrayList<>();
    flatten(data, flat);
    if (flat.size() != elements) {
      throw new Invalid(
          "input '"
              + name
              + "': shape "
              + shapeNode
              + " holds "
              + elements
              + " elements, but 'data' has "
              + flat.size());
    }
    int rank = Tensors.rank(type);
    if (shape.length < rank || !leadingOnes(shape, shape.length - rank)) {
      throw new Invalid(
          "input '"
              + name
              + "': shape "
              + shapeNode
              + " does not fit "
              + type.sql()
              + "; expected "
              + (rank == 0 ? "[1]" : rank == 1 ? "[n] or [1,n]" : "[r,c] or [1,r,c]"));
    }
    DataType element = Tensors.element(type);
    Object[] converted = new Object[flat.size()];
    for (int i = 0; i < converted.length; i++) {
      converted[i] = element(flat.get(i), element, expected, name, i);
    }
    if (rank == 0) {
      return converted[0];
    }
    if (rank == 1) {
      return new GenericArrayData(converted);
    }
    int rows = (int) shape[shape.length - 2];
    int columns = (int) shape[shape.length - 1];
    Object[] matrix = new Object[rows];
    for (int r = 0; r < rows; r++) {
      Object[] row = new Object[columns];
      System.arraycopy(converted, r * columns, row, 0, columns);
      matrix[r] = new GenericArrayData(row);
    }
    return new GenericArrayData(matrix);
  }

  private static long multiply(long a, long b, String name) throws Invalid {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      throw new Invalid("input '" + name + "': shape too large");
    }
  }

  private static boolean leadingOnes(long[] shape, int count) {
    for (int i = 0; i < count; i++) {
      if (shape[i] != 1) {
        return false;
      }
    }
    return true;
  }

  /** Nested data in row-major order; its depth is bounded by maxJsonDepth at parse time. */
  private static void flatten(JsonNode node, List<JsonNode> into) {
    for (JsonNode element : node) {
      if (element.isArray()) {
        flatten(element, into);
      } else {
        into.add(element);
      }
    }
  }

  private static Object element(JsonNode value, DataType type, String datatype, String name, int i)
      throws Invalid {
    if (type instanceof BooleanType) {
      if (value.isBoolean()) {
        return value.asBoolean();
      }
    } else if (type instanceof StringType) {
      if (value.isTextual()) {
        String text = value.asText();
        if (type instanceof VarcharType varchar
            && text.codePointCount(0, text.length()) > varchar.length()) {
          throw new Invalid(
              "input '"
                  + name
                  + "': data["
                  + i
                  + "] is longer than "
                  + varchar.length()
                  + " characters");
        }
        return UTF8String.fromString(text);
      }
    } else if (type instanceof FloatType || type instanceof org.apache.spark.sql.types.DoubleType) {
      if (value.isNumber()) {
        double d = value.asDouble();
        if (Double.isInfinite(d) || (type instanceof FloatType && Math.abs(d) > Float.MAX_VALUE)) {
          throw new Invalid(
              "input '"
                  + name
                  + "': data["
                  + i
                  + "] = "
                  + value
                  + " is out of range for "
                  + datatype);
        }
        return type instanceof FloatType ? (Object) (float) d : (Object) d;
      }
    } else if (value.isIntegralNumber()) {
      long min = IntegralTypes.min(type);
      long max = IntegralTypes.max(type);
      if (!value.canConvertToLong() || value.asLong() < min || value.asLong() > max) {
        throw new Invalid(
            "input '"
                + name
                + "': data["
                + i
                + "] = "
                + value
                + " is out of range for "
                + datatype
                + " ["
                + min
                + ", "
                + max
                + "]");
      }
      return IntegralTypes.narrow(type, value.asLong());
    }
    throw new Invalid(
        "input '"
            + name
            + "': data["
            + i
            + "] is "
            + describe(value)
            + ", but "
            + datatype
            + " takes "
            + takes(type));
  }

  private static String takes(DataType type) {
    if (type instanceof BooleanType) {
      return "true or false";
    }
    if (type instanceof StringType) {
      return "strings";
    }
    if (type instanceof FloatType || type instanceof org.apache.spark.sql.types.DoubleType) {
      return "numbers";
    }
    return "integers";
  }

  private static String describe(JsonNode value) {
    if (value.isNull()) {
      return "null";
    }
    if (value.isTextual()) {
      return "a string";
    }
    if (value.isBoolean()) {
      return "a boolean";
    }
    if (value.isIntegralNumber()) {
      return "an integer";
    }
    if (value.isNumber()) {
      return "a number with a fraction or exponent";
    }
    return "an object";
  }
}
