package io.sparkplug.examples.recommender;

import io.sparkplug.examples.common.Env;
import io.sparkplug.examples.common.ServingConfig;
import io.sparkplug.examples.common.VersionedFeed;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Every setting of the recommender, read from environment variables ({@link #fromEnv()}); tests
 * pass their own variables to {@link #fromEnv(Env)}.
 *
 * @param dataDir where the feeds live: a local folder or a Hadoop URI such as {@code hdfs://...}
 * @param users how many users the generated data set has
 * @param items how many attractions a reply lists unless the request asks for {@code n}
 * @param salt salt of the A/B assignment; a new salt is a new experiment
 * @param alsPercent share of users, 0-100, that get the ALS variant; the rest get the static one
 * @param kafkaBootstrapServers Kafka brokers for the exposure log; blank to log to files only
 * @param modelCheckSeconds how often the service looks for a newer model to serve, and each
 *     executor for a newer user table; 0 never
 */
public record RecommenderConfig(
    ServingConfig serving,
    String dataDir,
    long seed,
    int users,
    int alsRank,
    int alsIterations,
    double alsRegParam,
    int items,
    String salt,
    int alsPercent,
    String kafkaBootstrapServers,
    String exposureTopic,
    int modelCheckSeconds) {

  /** The most attractions one reply may list ({@code n}); the model is applied for this many. */
  public static final int MAX_ITEMS = 5;

  public static RecommenderConfig fromEnv() {
    return fromEnv(Env.system());
  }

  public static RecommenderConfig fromEnv(Env env) {
    Path defaultDir = Path.of(System.getProperty("java.io.tmpdir"), "sparkplug-recommender");
    return new RecommenderConfig(
        ServingConfig.fromEnv(env),
        env.string("RECOMMENDER_DATA_DIR", defaultDir.toString()),
        env.integer("RECOMMENDER_SEED", 42, 0, Integer.MAX_VALUE),
        env.integer("RECOMMENDER_USERS", 2000, 1, 10_000_000),
        env.integer("RECOMMENDER_ALS_RANK", 8, 1, 500),
        env.integer("RECOMMENDER_ALS_ITERATIONS", 10, 1, 1000),
        env.decimal("RECOMMENDER_ALS_REG_PARAM", 0.1, 0, 1000),
        env.integer("RECOMMENDER_ITEMS", 3, 1, MAX_ITEMS),
        env.string("RECOMMENDER_SALT", "attractions-2026"),
        env.integer("RECOMMENDER_ALS_PERCENT", 50, 0, 100),
        env.string("KAFKA_BOOTSTRAP_SERVERS", ""),
        env.string("RECOMMENDER_EXPOSURE_TOPIC", "recommendation-exposures"),
        env.integer("RECOMMENDER_MODEL_CHECK_SECONDS", 30, 0, 86_400));
  }

  /** The ETL's output: photos per user and attraction. */
  public VersionedFeed interactions(SparkSession spark) {
    return new VersionedFeed(spark, dataDir, "interactions", 1);
  }

  /** The trainer's output: ALS models. */
  public VersionedFeed models(SparkSession spark) {
    return new VersionedFeed(spark, dataDir, "models/als", 1);
  }

  /**
   * What the service serves from: each loaded model applied to every user ({@link UserTable}),
   * published for the executors next to the models.
   */
  public VersionedFeed userTables(SparkSession spark) {
    return new VersionedFeed(spark, dataDir, UserTable.FEED, 1);
  }

  /** The exposure log: JSON lines appended by the service, one folder per day. */
  public String exposuresPath() {
    return new org.apache.hadoop.fs.Path(dataDir, "exposures/v1").toString();
  }

  public Experiment experiment() {
    return new Experiment(salt, alsPercent);
  }
}
