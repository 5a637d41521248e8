package io.sparkplug.examples.geopredict;

import io.sparkplug.examples.common.Env;
import io.sparkplug.examples.common.ServingConfig;
import io.sparkplug.examples.common.VersionedFeed;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Every setting of GeoPredict, read from environment variables ({@link #fromEnv()}); tests pass
 * their own variables to {@link #fromEnv(Env)}.
 *
 * @param dataDir where the feeds live: a local folder or a Hadoop URI such as {@code hdfs://...}
 * @param users how many users the generated pings follow
 * @param days how many days of pings are generated
 */
public record GeoConfig(ServingConfig serving, String dataDir, long seed, int users, int days) {

  public static GeoConfig fromEnv() {
    return fromEnv(Env.system());
  }

  public static GeoConfig fromEnv(Env env) {
    Path defaultDir = Path.of(System.getProperty("java.io.tmpdir"), "sparkplug-geopredict");
    return new GeoConfig(
        ServingConfig.fromEnv(env),
        env.string("GEO_DATA_DIR", defaultDir.toString()),
        env.integer("GEO_SEED", 7, 0, Integer.MAX_VALUE),
        env.integer("GEO_USERS", 50, 1, 1_000_000),
        env.integer("GEO_DAYS", 28, 7, 3650));
  }

  /** Raw location pings, as the mobile app would deliver them. */
  public VersionedFeed pings(SparkSession spark) {
    return new VersionedFeed(spark, dataDir, "pings", 1);
  }

  /** Per user: frequent places and the probabilities of the next shopping destination. */
  public VersionedFeed profiles(SparkSession spark) {
    return new VersionedFeed(spark, dataDir, "profiles", 1);
  }
}
