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
          .add(RECEIVED_AT, DataTypes.TimestampType, false);

  private RequestSchema() {}
}
