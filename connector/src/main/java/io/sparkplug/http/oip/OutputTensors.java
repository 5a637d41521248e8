package io.sparkplug.http.oip;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.sparkplug.http.reply.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The sink's side of {@code protocol=oip}: the reply row's tensor columns as the inference
 * response's {@code outputs} array. The server that holds the client adds {@code model_name},
 * {@code model_version} and the request's {@code id} ({@link OipDocuments#finish}).
 */
public final class OutputTensors implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final JsonFactory FACTORY = new JsonFactory();

  private final String[] names;
  private final int[] columns;
  private final DataType[] types;
  private final String[] datatypes;

  public OutputTensors(StructType schema, int[] columns) {
    this.columns = columns.clone();
    this.names = new String[columns.length];
    this.types = new DataType[columns.length];
    this.datatypes = new String[columns.length];
    for (int i = 0; i < columns.length; i++) {
      StructField field = schema.fields()[columns[i]];
      names[i] = field.name();
      types[i] = field.dataType();
      datatypes[i] = Tensors.datatype(field.dataType());
    }
  }

  /** The output columns as a struct, the model metadata's {@code outputs}. */
  public static StructType outputSchema(StructType schema, int[] columns) {
    StructField[] fields = new StructField[columns.length];
    for (int i = 0; i < columns.length; i++) {
      fields[i] = schema.fields()[columns[i]];
    }
    return new StructType(fields);
  }

  /** The reply of one row: the outputs array (null columns left out), marked for the server. */
  public Reply reply(InternalRow row, int status, String[] headerNames, String[] headerValues) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 16 * columns.length);
    try (JsonGenerator json = FACTORY.createGenerator(out)) {
      json.writeStartArray();
      for (int i = 0; i < columns.length; i++) {
        if (row.isNullAt(columns[i])) {
          continue;
        }
        json.writeStartObject();
        json.writeStringField("name", names[i]);
        json.writeStringField("datatype", datatypes[i]);
        int rank = Tensors.rank(types[i]);
        DataType element = Tensors.element(types[i]);
        if (rank == 0) {
          json.writeArrayFieldStart("shape");
          json.writeNumber(1);
          json.writeEndArray();
          json.writeArrayFieldStart("data");
          scalar(json, row, columns[i], element);
          json.writeEndArray();
        } else if (rank == 1) {
          ArrayData data = row.getArray(columns[i]);
          json.writeArrayFieldStart("shape");
          json.writeNumber(data.numElements());
          json.writeEndArray();
          json.writeArrayFieldStart("data");
          elements(json, data, element);
          json.writeEndArray();
        } else {
          ArrayData rows = row.getArray(columns[i]);
          int width = -1;
          for (int r = 0; r < rows.numElements(); r++) {
            int w = rows.isNullAt(r) ? -1 : rows.getArray(r).numElements();
            if (w < 0 || (width >= 0 && w != width)) {
              return OipDocuments.error(
                  500, "output '" + names[i] + "' is not a rectangular matrix");
            }
            width = w;
          }
          json.writeArrayFieldStart("shape");
          json.writeNumber(rows.numElements());
          json.writeNumber(Math.max(width, 0));
          json.writeEndArray();
          json.writeArrayFieldStart("data");
          for (int r = 0; r < rows.numElements(); r++) {
            elements(json, rows.getArray(r), element);
          }
          json.writeEndArray();
        }
        json.writeEndObject();
      }
      json.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String[] names = headerNames == null ? new String[0] : headerNames;
    String[] values = headerValues == null ? new String[0] : headerValues;
    return new Reply(status, names, values, out.toByteArray(), OipDocuments.APPLICATION_JSON, false)
        .withHeader(OipDocuments.OUTPUTS_MARKER, "1");
  }

  private static void elements(JsonGenerator json, ArrayData data, DataType type)
      throws IOException {
    for (int i = 0; i < data.numElements(); i++) {
      if (data.isNullAt(i)) {
        // Tensors have no null; written as null so that nothing is silently invented.
        json.writeNull();
        continue;
      }
      if (type instanceof BooleanType) {
        json.writeBoolean(data.getBoolean(i));
      } else if (type instanceof ByteType) {
        json.writeNumber(data.getByte(i));
      } else if (type instanceof ShortType) {
        json.writeNumber(data.getShort(i));
      } else if (type instanceof IntegerType) {
        json.writeNumber(data.getInt(i));
      } else if (type instanceof LongType) {
        json.writeNumber(data.getLong(i));
      } else if (type instanceof FloatType) {
        json.writeNumber(data.getFloat(i));
      } else if (type instanceof DoubleType) {
        json.writeNumber(data.getDouble(i));
      } else {
        json.writeString(data.getUTF8String(i).toString());
      }
    }
  }

  private static void scalar(JsonGenerator json, InternalRow row, int i, DataType type)
      throws IOException {
    if (type instanceof BooleanType) {
      json.writeBoolean(row.getBoolean(i));
    } else if (type instanceof ByteType) {
      json.writeNumber(row.getByte(i));
    } else if (type instanceof ShortType) {
      json.writeNumber(row.getShort(i));
    } else if (type instanceof IntegerType) {
      json.writeNumber(row.getInt(i));
    } else if (type instanceof LongType) {
      json.writeNumber(row.getLong(i));
    } else if (type instanceof FloatType) {
      json.writeNumber(row.getFloat(i));
    } else if (type instanceof DoubleType) {
      json.writeNumber(row.getDouble(i));
    } else {
      json.writeString(row.getUTF8String(i).toString());
    }
  }
}
