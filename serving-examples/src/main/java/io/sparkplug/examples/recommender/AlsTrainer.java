package io.sparkplug.examples.recommender;

import io.sparkplug.examples.common.Serving;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The trainer: fits ALS on the newest interactions snapshot and publishes the model to the model
 * feed. Run on its own with {@code spark-submit --class
 * io.sparkplug.examples.recommender.AlsTrainer}.
 */
public final class AlsTrainer {
  private AlsTrainer() {}

  public static ALSModel fit(Dataset<Row> interactions, RecommenderConfig config) {
    return new ALS()
        // Photo counts are implicit feedback: confidence in an interest, not a rating.
        .setImplicitPrefs(true)
        .setUserCol("user")
        .setItemCol("attraction")
        .setRatingCol("photos")
        .setRank(config.alsRank())
        .setMaxIter(config.alsIterations())
        .setRegParam(config.alsRegParam())
        .setSeed(config.seed())
        .fit(interactions);
  }

  /** Trains on the newest interactions and publishes the model; returns the model's folder. */
  public static String run(SparkSession spark, RecommenderConfig config) {
    String source = config.interactions(spark).require("PhotoEtl");
    ALSModel model = fit(spark.read().parquet(source), config);
    return config.models(spark).publish(folder -> model.write().save(folder));
  }

  public static void main(String[] args) {
    RecommenderConfig config = RecommenderConfig.fromEnv();
    SparkSession spark = Serving.session("recommender-trainer", config.serving());
    try {
      System.out.println("published " + run(spark, config));
    } finally {
      spark.stop();
    }
  }
}
