package io.sparkplug.http.rows;

import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;

/**
 * Spark's integral types (TINYINT, SMALLINT, INT, BIGINT): the range each holds and the Java value
 * Spark's internal rows keep for it. One table for the JSON body check and the tensor check.
 */
public final class IntegralTypes {
  private IntegralTypes() {}

  /** True for TINYINT, SMALLINT, INT and BIGINT. */
  public static boolean integral(DataType type) {
    return type instanceof ByteType
        || type instanceof ShortType
        || type instanceof IntegerType
        || type instanceof LongType;
  }

  /** The smallest value {@code type} holds. */
  public static long min(DataType type) {
    if (type instanceof ByteType) {
      return Byte.MIN_VALUE;
    }
    if (type instanceof ShortType) {
      return Short.MIN_VALUE;
    }
    if (type instanceof IntegerType) {
      return Integer.MIN_VALUE;
    }
    if (type instanceof LongType) {
      return Long.MIN_VALUE;
    }
    throw new IllegalArgumentException("not an integral type: " + type);
  }

  /** The largest value {@code type} holds. */
  public static long max(DataType type) {
    if (type instanceof ByteType) {
      return Byte.MAX_VALUE;
    }
    if (type instanceof ShortType) {
      return Short.MAX_VALUE;
    }
    if (type instanceof IntegerType) {
      return Integer.MAX_VALUE;
    }
    if (type instanceof LongType) {
      return Long.MAX_VALUE;
    }
    throw new IllegalArgumentException("not an integral type: " + type);
  }

  /** {@code value}, already checked against the range, as the Java type Spark keeps for it. */
  public static Object narrow(DataType type, long value) {
    if (type instanceof ByteType) {
      return (byte) value;
    }
    if (type instanceof ShortType) {
      return (short) value;
    }
    if (type instanceof IntegerType) {
      return (int) value;
    }
    return value;
  }
}
