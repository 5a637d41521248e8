package io.sparkplug.http.rows;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The request row contract: the columns every {@code sparkplug-http} source produces. */
public final class RequestSchema {
  public static final String ID = "id";
  public static final String METHOD = "method";
  public static final String PATH = "path";
  public static final String QUERY = "query";
  public static final String HEADERS = "headers";
  public static final String BODY = "body";
  public static final String RECEIVED_AT = "receivedAt";

  /** Path template values and decoded query parameters; empty when there are none. */
  public static final String PARAMS = "params";

  public static final StructType SCHEMA =
      new StructType()
          .add(ID, DataTypes.StringType, false)
          .add(METHOD, DataTypes.StringType, false)
          .add(PATH, DataTypes.StringType, false)
          .add(QUERY, DataTypes.StringType, false)
          .add(
              HEADERS,
              DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, false),
              false)
          .add(BODY, DataTypes.BinaryType, false)
          .add(RECEIVED_AT, DataTypes.TimestampType, false)
          .add(
              PARAMS,
              DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, false),
              false);

  /** The typed body's column, present when the source has a {@code requestSchema}. */
  public static final String REQUEST = "request";

  private RequestSchema() {}

  /** The request rows of a source: {@link #SCHEMA}, plus {@code request} with a request schema. */
  public static StructType of(StructType requestSchema) {
    return requestSchema == null ? SCHEMA : SCHEMA.add(REQUEST, requestSchema, false);
  }
}
