package io.sparkplug.http.rows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.CharType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.sql.types.VarcharType;

/**
 * A Spark type as the JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) of the JSON that
 * carries it: a struct is an object whose {@code NOT NULL} fields are required, a nullable value
 * admits {@code null} beside its type, integers carry their type's range, decimals their precision,
 * dates and timestamps the ISO 8601 formats, arrays their element schema and maps (string keys)
 * their value schema as {@code additionalProperties}.
 */
public final class JsonSchemas {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonSchemas() {}

  /** The schema of a JSON object with the struct's fields. */
  public static ObjectNode of(StructType struct) {
    return of(struct, false);
  }

  /** The schema of a JSON value of {@code type}; {@code nullable} also admits {@code null}. */
  public static ObjectNode of(DataType type, boolean nullable) {
    ObjectNode schema = NODES.objectNode();
    String json;
    if (type instanceof StructType struct) {
      json = "object";
      ObjectNode properties = schema.putObject("properties");
      var required = NODES.arrayNode();
      for (StructField field : struct.fields()) {
        ObjectNode property = of(field.dataType(), field.nullable());
        if (field.getComment().isDefined()) {
          property.put("description", field.getComment().get());
        }
        properties.set(field.name(), property);
        if (!field.nullable()) {
          required.add(field.name());
        }
      }
      if (!required.isEmpty()) {
        schema.set("required", required);
      }
    } else if (type instanceof ArrayType array) {
      json = "array";
      schema.set("items", of(array.elementType(), array.containsNull()));
    } else if (type instanceof MapType map) {
      json = "object";
      if (!(map.keyType() instanceof StringType)) {
        schema.put("description", "keys are " + map.keyType().simpleString() + " values as text");
      }
      schema.set("additionalProperties", of(map.valueType(), map.valueContainsNull()));
    } else if (type instanceof BooleanType) {
      json = "boolean";
    } else if (type instanceof ByteType) {
      json = integer(schema, Byte.MIN_VALUE, Byte.MAX_VALUE, null);
    } else if (type instanceof ShortType) {
      json = integer(schema, Short.MIN_VALUE, Short.MAX_VALUE, null);
    } else if (type instanceof IntegerType) {
      json = integer(schema, Integer.MIN_VALUE, Integer.MAX_VALUE, "int32");
    } else if (type instanceof LongType) {
      json = integer(schema, Long.MIN_VALUE, Long.MAX_VALUE, "int64");
    } else if (type instanceof FloatType) {
      json = "number";
      schema.put("format", "float");
    } else if (type instanceof DoubleType) {
      json = "number";
      schema.put("format", "double");
    } else if (type instanceof DecimalType decimal) {
      json = "number";
      // decimal(p, s): fewer than p - s digits before the point, at most s after it.
      BigDecimal bound = BigDecimal.TEN.pow(decimal.precision() - decimal.scale());
      schema.put("exclusiveMinimum", bound.negate());
      schema.put("exclusiveMaximum", bound);
      schema.put("multipleOf", BigDecimal.ONE.movePointLeft(decimal.scale()));
      schema.put("description", decimal.simpleString());
    } else if (type instanceof DateType) {
      json = "string";
      schema.put("format", "date");
    } else if (type instanceof TimestampType || type instanceof TimestampNTZType) {
      json = "string";
      schema.put("format", "date-time");
    } else if (type instanceof BinaryType) {
      json = "string";
      schema.put("contentEncoding", "base64");
    } else if (type instanceof VarcharType varchar) {
      json = "string";
      schema.put("maxLength", varchar.length());
    } else if (type instanceof CharType chars) {
      json = "string";
      schema.put("maxLength", chars.length());
    } else if (type instanceof StringType) {
      json = "string";
    } else {
      // Intervals, variants and other types with no single JSON form: any JSON value.
      schema.put("description", type.simpleString());
      return schema;
    }
    if (nullable) {
      schema.putArray("type").add(json).add("null");
    } else {
      schema.put("type", json);
    }
    return schema;
  }

  private static String integer(ObjectNode schema, long min, long max, String format) {
    schema.put("minimum", min);
    schema.put("maximum", max);
    if (format != null) {
      schema.put("format", format);
    }
    return "integer";
  }
}
