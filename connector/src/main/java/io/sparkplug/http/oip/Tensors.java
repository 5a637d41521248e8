package io.sparkplug.http.oip;

import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;

/**
 * Spark types as tensors: a scalar of a tensor element type is a tensor of shape {@code [1]}, an
 * {@code ARRAY<T>} one of shape {@code [n]}, an {@code ARRAY<ARRAY<T>>} one of shape {@code [r, c]}
 * (rectangular). Nothing else is a tensor here.
 */
public final class Tensors {
  /** What the option checks and error messages say a tensor type may be. */
  public static final String SUPPORTED =
      "BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, STRING, or an ARRAY (or ARRAY of"
          + " ARRAY) of one of them";

  private Tensors() {}

  /** The protocol datatype of a tensor element type, or null when it is none. */
  public static String datatypeOfElement(DataType type) {
    if (type instanceof BooleanType) {
      return "BOOL";
    }
    if (type instanceof ByteType) {
      return "INT8";
    }
    if (type instanceof ShortType) {
      return "INT16";
    }
    if (type instanceof IntegerType) {
      return "INT32";
    }
    if (type instanceof LongType) {
      return "INT64";
    }
    if (type instanceof FloatType) {
      return "FP32";
    }
    if (type instanceof DoubleType) {
      return "FP64";
    }
    // VARCHAR and CHAR are StringTypes too; the JSON check still bounds their length.
    if (type instanceof StringType) {
      return "BYTES";
    }
    return null;
  }

  /** Dimensions of the Spark type: 0 for a scalar, 1 for an array, 2 for an array of arrays. */
  public static int rank(DataType type) {
    int rank = 0;
    while (type instanceof ArrayType array) {
      type = array.elementType();
      rank++;
    }
    return rank;
  }

  /** The element type under the arrays. */
  public static DataType element(DataType type) {
    while (type instanceof ArrayType array) {
      type = array.elementType();
    }
    return type;
  }

  /** The datatype of a Spark type as a tensor, or null when it is no tensor type here. */
  public static String datatype(DataType type) {
    return rank(type) > 2 ? null : datatypeOfElement(element(type));
  }

  /** The shape published in model metadata: -1 for each variable dimension. */
  public static long[] metadataShape(DataType type) {
    int rank = rank(type);
    if (rank == 0) {
      return new long[] {1};
    }
    long[] shape = new long[rank];
    java.util.Arrays.fill(shape, -1);
    return shape;
  }
}
