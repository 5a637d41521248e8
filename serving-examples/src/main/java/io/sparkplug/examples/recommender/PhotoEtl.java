package io.sparkplug.examples.recommender;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.max;

import io.sparkplug.examples.common.Serving;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The ETL: raw photos in, one Parquet snapshot of {@code user, attraction, photos, lastPhotoAt}
 * out, published to the interactions feed. Run on its own with {@code spark-submit --class
 * io.sparkplug.examples.recommender.PhotoEtl}.
 */
public final class PhotoEtl {
  private PhotoEtl() {}

  /** Cleans raw photos and counts them per user and attraction: ALS's implicit feedback. */
  public static Dataset<Row> interactions(Dataset<Row> photos, Dataset<Row> attractions) {
    return photos
        .dropDuplicates("photo_id") // re-uploads
        .where(col("user_id").isNotNull())
        // An inner join with the catalog drops photos of retired or unknown attractions.
        .join(attractions.select(col("id").as("attraction_id")), "attraction_id")
        .groupBy(col("user_id").cast("int").as("user"), col("attraction_id").as("attraction"))
        .agg(count("*").cast("float").as("photos"), max("taken_at").as("lastPhotoAt"));
  }

  /** Generates the raw photos, transforms them, publishes a snapshot; returns its folder. */
  public static String run(SparkSession spark, RecommenderConfig config) {
    Dataset<Row> photos = Photos.generate(spark, config.seed(), config.users());
    Dataset<Row> interactions = interactions(photos, Attractions.table(spark));
    return config
        .interactions(spark)
        .publish(folder -> interactions.coalesce(1).write().parquet(folder));
  }

  public static void main(String[] args) {
    RecommenderConfig config = RecommenderConfig.fromEnv();
    SparkSession spark = Serving.session("recommender-etl", config.serving());
    try {
      System.out.println("published " + run(spark, config));
    } finally {
      spark.stop();
    }
  }
}
