package io.sparkplug.http.rows;

import io.sparkplug.http.oip.OutputTensors;
import io.sparkplug.http.oip.Tensors;
import java.io.Serializable;
import java.util.Locale;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The reply row contract, checked once when the query starts: {@code id} (string) and {@code body}
 * (string or binary) are required; {@code status} (int) and {@code headers} (map of strings) are
 * optional; any other column is an error that names it.
 */
public final class ReplySchema implements Serializable {
  private static final long serialVersionUID = 1L;
  static final String ID = "id";
  static final String BODY = "body";
  static final String STATUS = "status";
  static final String HEADERS = "headers";

  final int id;
  final int body;
  final boolean binaryBody;
  final int status;
  final int headers;

  /** With the sink's {@code protocol=oip}: the output tensors, else null. */
  final OutputTensors outputs;

  /** With {@code protocol=oip}: the {@code error} column (the error object's message), or -1. */
  final int error;

  /** With {@code protocol=oip}: the output columns as a struct, for model metadata. */
  private final StructType outputSchema;

  private ReplySchema(int id, int body, boolean binaryBody, int status, int headers) {
    this(id, body, binaryBody, status, headers, null, -1, null);
  }

  private ReplySchema(
      int id,
      int body,
      boolean binaryBody,
      int status,
      int headers,
      OutputTensors outputs,
      int error,
      StructType outputSchema) {
    this.id = id;
    this.body = body;
    this.binaryBody = binaryBody;
    this.status = status;
    this.headers = headers;
    this.outputs = outputs;
    this.error = error;
    this.outputSchema = outputSchema;
  }

  /** The output tensor columns of a {@code protocol=oip} sink; null for a plain sink. */
  public StructType outputSchema() {
    return outputSchema;
  }

  /** The reply contract for a sink in {@code protocol=oip} or plain HTTP. */
  public static ReplySchema of(StructType schema, boolean oip) {
    return oip ? ofOip(schema) : of(schema);
  }

  /**
   * The reply contract of {@code protocol=oip}: {@code id} (string), optional {@code status} (int),
   * {@code headers} (map of strings) and {@code error} (string: when set, the reply is the
   * protocol's error object, status 400 unless {@code status} says otherwise); every other column
   * is an output tensor of the name and a type of {@link Tensors}.
   */
  static ReplySchema ofOip(StructType schema) {
    int id = -1;
    int status = -1;
    int headers = -1;
    int error = -1;
    java.util.List<Integer> outputs = new java.util.ArrayList<>();
    StructField[] fields = schema.fields();
    for (int i = 0; i < fields.length; i++) {
      DataType type = fields[i].dataType();
      switch (fields[i].name().toLowerCase(Locale.ROOT)) {
        case ID -> {
          expect(fields[i], type instanceof StringType, "string");
          id = i;
        }
        case STATUS -> {
          expectStatus(fields[i]);
          status = i;
        }
        case HEADERS -> {
          expectHeaders(fields[i]);
          headers = i;
        }
        case "error" -> {
          expect(fields[i], type instanceof StringType, "string (the error object's message)");
          error = i;
        }
        default -> {
          if (Tensors.datatype(type) == null) {
            throw new IllegalArgumentException(
                "sparkplug-http sink: column '"
                    + fields[i].name()
                    + "' has type "
                    + type.simpleString()
                    + ", which is no output tensor type (protocol=oip takes "
                    + Tensors.SUPPORTED
                    + ")");
          }
          outputs.add(i);
        }
      }
    }
    if (id < 0) {
      throw missing(ID, "the request id the reply answers");
    }
    if (outputs.isEmpty()) {
      throw new IllegalArgumentException(
          "sparkplug-http sink: the reply rows have no output tensor column; with protocol=oip"
              + " every column other than id, status, headers and error is an output");
    }
    int[] columns = outputs.stream().mapToInt(Integer::intValue).toArray();
    return new ReplySchema(
        id,
        -1,
        false,
        status,
        headers,
        new OutputTensors(schema, columns),
        error,
        OutputTensors.outputSchema(schema, columns));
  }

  public static ReplySchema of(StructType schema) {
    int id = -1;
    int body = -1;
    int status = -1;
    int headers = -1;
    boolean binaryBody = false;
    StructField[] fields = schema.fields();
    for (int i = 0; i < fields.length; i++) {
      DataType type = fields[i].dataType();
      switch (fields[i].name().toLowerCase(Locale.ROOT)) {
        case ID -> {
          expect(fields[i], type instanceof StringType, "string");
          id = i;
        }
        case BODY -> {
          expect(
              fields[i],
              type instanceof StringType || type instanceof BinaryType,
              "string or binary");
          binaryBody = type instanceof BinaryType;
          body = i;
        }
        case STATUS -> {
          expectStatus(fields[i]);
          status = i;
        }
        case HEADERS -> {
          expectHeaders(fields[i]);
          headers = i;
        }
        default ->
            throw new IllegalArgumentException(
                "sparkplug-http sink: unexpected column '"
                    + fields[i].name()
                    + "' in the reply rows; a reply has only id, body, status and headers");
      }
    }
    if (id < 0) {
      throw missing(ID, "the request id the reply answers");
    }
    if (body < 0) {
      throw missing(BODY, "the reply body (string or binary; null for an empty body)");
    }
    return new ReplySchema(id, body, binaryBody, status, headers);
  }

  /** The optional {@code status} column of both contracts. */
  private static void expectStatus(StructField field) {
    expect(field, field.dataType() instanceof IntegerType, "int (use .cast(\"int\"))");
  }

  /** The optional {@code headers} column of both contracts. */
  private static void expectHeaders(StructField field) {
    expect(
        field,
        field.dataType() instanceof MapType map
            && map.keyType() instanceof StringType
            && map.valueType() instanceof StringType,
        "map<string,string>");
  }

  private static void expect(StructField field, boolean ok, String wanted) {
    if (!ok) {
      throw new IllegalArgumentException(
          "sparkplug-http sink: column '"
              + field.name()
              + "' must be "
              + wanted
              + ", not "
              + field.dataType().simpleString());
    }
  }

  private static IllegalArgumentException missing(String column, String meaning) {
    return new IllegalArgumentException(
        "sparkplug-http sink: the reply rows have no '" + column + "' column (" + meaning + ")");
  }
}
