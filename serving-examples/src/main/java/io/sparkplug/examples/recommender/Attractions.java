package io.sparkplug.examples.recommender;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The park's attractions, and the static recommender: editors' picks per favourite area. */
public final class Attractions {
  public record Attraction(int id, String name, String area) {}

  public static final List<Attraction> ALL =
      List.of(
          new Attraction(1, "Thunder Canyon Coaster", "Adventure Peaks"),
          new Attraction(2, "Sky Drop Tower", "Adventure Peaks"),
          new Attraction(3, "Dragon's Loop", "Adventure Peaks"),
          new Attraction(4, "Mine Train Escape", "Adventure Peaks"),
          new Attraction(5, "Enchanted Carousel", "Fairy Forest"),
          new Attraction(6, "Teacup Twirl", "Fairy Forest"),
          new Attraction(7, "Gnome Village Train", "Fairy Forest"),
          new Attraction(8, "Castle of Wishes", "Fairy Forest"),
          new Attraction(9, "Log Flume Falls", "Splash Bay"),
          new Attraction(10, "Pirate Splash Battle", "Splash Bay"),
          new Attraction(11, "Wave Pool Lagoon", "Splash Bay"),
          new Attraction(12, "River Raft Run", "Splash Bay"),
          new Attraction(13, "Night Parade", "Showtime Square"),
          new Attraction(14, "Stunt Show Arena", "Showtime Square"),
          new Attraction(15, "Dolphin Theatre", "Showtime Square"),
          new Attraction(16, "Fireworks Lake", "Showtime Square"));

  /** The static variant: what the park's editors recommend to fans of each area, best first. */
  public static final Map<String, List<Integer>> PICKS =
      Map.of(
          "Adventure Peaks", List.of(1, 3, 9, 14, 2),
          "Fairy Forest", List.of(8, 5, 7, 13, 6),
          "Splash Bay", List.of(9, 12, 10, 1, 16),
          "Showtime Square", List.of(13, 16, 14, 15, 8));

  private Attractions() {}

  public static Dataset<Row> table(SparkSession spark) {
    StructType schema =
        new StructType()
            .add("id", DataTypes.IntegerType, false)
            .add("name", DataTypes.StringType, false)
            .add("area", DataTypes.StringType, false);
    List<Row> rows = new ArrayList<>();
    ALL.forEach(a -> rows.add(RowFactory.create(a.id(), a.name(), a.area())));
    return spark.createDataFrame(rows, schema);
  }

  /**
   * One recommended attraction as the reply shows it: {@code {id, name, area, score}}; a null score
   * is left out of the JSON.
   */
  public static Column item(Column id, Column score) {
    return struct(
        id.as("id"),
        element_at(lookup(Attraction::name), id).as("name"),
        element_at(lookup(Attraction::area), id).as("area"),
        round(score, 3).as("score"));
  }

  /** The static recommender's items for a favourite area. */
  public static Column picksFor(Column area) {
    List<Column> entries = new ArrayList<>();
    PICKS.forEach(
        (name, ids) -> {
          entries.add(lit(name));
          entries.add(array(ids.stream().map(i -> lit(i)).toArray(Column[]::new)));
        });
    Column ids = element_at(map(entries.toArray(Column[]::new)), area);
    return transform(ids, id -> item(id, lit(null).cast(DataTypes.FloatType)));
  }

  private static Column lookup(java.util.function.Function<Attraction, String> field) {
    List<Column> entries = new ArrayList<>();
    ALL.forEach(
        a -> {
          entries.add(lit(a.id()));
          entries.add(lit(field.apply(a)));
        });
    return map(entries.toArray(Column[]::new));
  }
}
