package io.sparkplug.examples.recommender;

import io.sparkplug.examples.common.Serving;
import org.apache.spark.sql.SparkSession;

/**
 * The whole recommender in one JVM, for a laptop: ETL, training, then serving until Ctrl-C. Each
 * step publishes to its feed under {@code RECOMMENDER_DATA_DIR}, so a second run adds new snapshots
 * and keeps the old ones. On a cluster the three steps run as separate jobs.
 */
public final class RecommenderDemo {
  private RecommenderDemo() {}

  public static void main(String[] args) throws Exception {
    RecommenderConfig config = RecommenderConfig.fromEnv();
    SparkSession spark = Serving.session("recommender-demo", config.serving());
    spark.sparkContext().setLogLevel("WARN");
    long start = System.nanoTime();
    System.out.println("ETL published " + PhotoEtl.run(spark, config) + " in " + since(start));
    start = System.nanoTime();
    System.out.println(
        "trainer published " + AlsTrainer.run(spark, config) + " in " + since(start));
    RecommendationService service = RecommendationService.start(spark, config);
    Serving.runUntilStopped(
        spark, service.query(), service, config.serving(), RecommendationService.banner(config));
  }

  private static String since(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000 + " ms";
  }
}
