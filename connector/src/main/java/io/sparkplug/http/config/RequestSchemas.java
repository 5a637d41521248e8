package io.sparkplug.http.config;

import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
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

/**
 * The {@code requestSchema} option: Spark DDL parsed into a {@link StructType}, and the check that
 * every type in it has a JSON form the server can validate.
 */
final class RequestSchemas {
  private RequestSchemas() {}

  /** The parsed schema, or null when {@code ddl} is unset; throws naming the option otherwise. */
  static StructType parse(String ddl) {
    if (ddl == null) {
      return null;
    }
    if (ddl.isBlank()) {
      throw OptionReader.invalid(
          ServiceOptions.REQUEST_SCHEMA_CONFIG,
          ddl,
          "must be Spark DDL such as 'item STRING NOT NULL, quantity INT'");
    }
    StructType schema;
    try {
      schema = StructType.fromDDL(ddl);
    } catch (Exception e) {
      // Spark's ParseException is checked in Java's eyes, though Scala throws it undeclared.
      throw OptionReader.invalid(
          ServiceOptions.REQUEST_SCHEMA_CONFIG,
          ddl,
          "is not valid Spark DDL (" + firstLine(e.getMessage()) + ")");
    }
    if (schema.fields().length == 0) {
      throw OptionReader.invalid(
          ServiceOptions.REQUEST_SCHEMA_CONFIG, ddl, "must declare at least one field");
    }
    for (StructField field : schema.fields()) {
      check(ddl, field.name(), field.dataType());
    }
    return schema;
  }

  private static void check(String ddl, String where, DataType type) {
    if (type instanceof StructType struct) {
      for (StructField field : struct.fields()) {
        check(ddl, where + "." + field.name(), field.dataType());
      }
    } else if (type instanceof ArrayType array) {
      check(ddl, where + "[]", array.elementType());
    } else if (type instanceof MapType map) {
      if (!(map.keyType() instanceof StringType)) {
        throw OptionReader.invalid(
            ServiceOptions.REQUEST_SCHEMA_CONFIG,
            ddl,
            "field '" + where + "': a JSON object's keys are strings, so a map needs STRING keys");
      }
      check(ddl, where + "{}", map.valueType());
    } else if (!(type instanceof BooleanType
        || type instanceof ByteType
        || type instanceof ShortType
        || type instanceof IntegerType
        || type instanceof LongType
        || type instanceof FloatType
        || type instanceof DoubleType
        || type instanceof DecimalType
        || type instanceof StringType
        || type instanceof BinaryType
        || type instanceof DateType
        || type instanceof TimestampType
        || type instanceof TimestampNTZType)) {
      throw OptionReader.invalid(
          ServiceOptions.REQUEST_SCHEMA_CONFIG,
          ddl,
          "field '" + where + "' has type " + type.sql() + ", which has no JSON form here");
    }
  }

  /** With protocol=oip: every top-level field must be a tensor type ({@code Tensors}). */
  static void checkTensors(String ddl, StructType schema) {
    for (StructField field : schema.fields()) {
      if (io.sparkplug.http.oip.Tensors.datatype(field.dataType()) == null) {
        throw OptionReader.invalid(
            ServiceOptions.REQUEST_SCHEMA_CONFIG,
            ddl,
            "input '"
                + field.name()
                + "' has type "
                + field.dataType().sql()
                + ", which is no tensor type (protocol=oip takes "
                + io.sparkplug.http.oip.Tensors.SUPPORTED
                + ")");
      }
    }
  }

  /** JSON nesting levels a body of {@code type} has: 1 for a flat object. */
  static int depth(DataType type) {
    if (type instanceof StructType struct) {
      int deepest = 0;
      for (StructField field : struct.fields()) {
        deepest = Math.max(deepest, depth(field.dataType()));
      }
      return deepest + 1;
    }
    if (type instanceof ArrayType array) {
      return depth(array.elementType()) + 1;
    }
    if (type instanceof MapType map) {
      return depth(map.valueType()) + 1;
    }
    return 0;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no reason given";
    }
    String line = message.strip();
    int newline = line.indexOf('\n');
    return newline < 0 ? line : line.substring(0, newline).strip();
  }
}
