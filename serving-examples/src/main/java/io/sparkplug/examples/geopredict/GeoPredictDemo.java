package io.sparkplug.examples.geopredict;

import io.sparkplug.examples.common.Serving;
import org.apache.spark.sql.SparkSession;

/**
 * GeoPredict in one JVM, for a laptop: generate pings, mine the profiles, then serve until Ctrl-C.
 * Each step publishes to its feed under {@code GEO_DATA_DIR}; on a cluster they run as separate
 * jobs.
 */
public final class GeoPredictDemo {
  private GeoPredictDemo() {}

  public static void main(String[] args) throws Exception {
    GeoConfig config = GeoConfig.fromEnv();
    SparkSession spark = Serving.session("geopredict-demo", config.serving());
    spark.sparkContext().setLogLevel("WARN");
    long start = System.nanoTime();
    System.out.println("pings published " + Pings.run(spark, config) + " in " + since(start));
    start = System.nanoTime();
    System.out.println(
        "profiles published " + PlaceMiner.run(spark, config) + " in " + since(start));
    Serving.runUntilStopped(
        spark,
        PredictService.start(spark, config),
        config.serving(),
        PredictService.banner(config));
  }

  private static String since(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000 + " ms";
  }
}
