package io.sparkplug.examples.geopredict;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The shops of the (made-up) city: the points of interest a maps provider would supply. */
public final class Shops {
  public record Shop(String name, double lat, double lon) {}

  public static final List<Shop> ALL =
      List.of(
          new Shop("Riverside Mall", 38.7070, -9.1450),
          new Shop("Old Town Market", 38.7130, -9.1330),
          new Shop("Harbour Outlet", 38.6990, -9.1700),
          new Shop("Hilltop Grocer", 38.7300, -9.1500),
          new Shop("Station Books", 38.7360, -9.1330),
          new Shop("Garden Centre North", 38.7500, -9.1600),
          new Shop("Eastside Superstore", 38.7250, -9.1100),
          new Shop("Parkview Bakery", 38.7420, -9.1450));

  private Shops() {}

  public static Dataset<Row> table(SparkSession spark) {
    StructType schema =
        new StructType()
            .add("shop", DataTypes.StringType, false)
            .add("lat", DataTypes.DoubleType, false)
            .add("lon", DataTypes.DoubleType, false);
    List<Row> rows = new ArrayList<>();
    ALL.forEach(s -> rows.add(RowFactory.create(s.name(), s.lat(), s.lon())));
    return spark.createDataFrame(rows, schema);
  }
}
