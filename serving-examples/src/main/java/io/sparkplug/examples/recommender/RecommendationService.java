package io.sparkplug.examples.recommender;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.nullif;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import io.sparkplug.examples.common.Serving;
import io.sparkplug.examples.common.VersionedFeed;
import io.sparkplug.http.SparkPlugHttp;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.fs.Path;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Serves {@code GET /recommendations?user=42&n=3} and {@code POST /recommendations} with {@code
 * {"user":"42","n":3}}: the user's top attractions from the variant the A/B experiment assigns, as
 * {@code {"user":42,"variant":"als","model":"...","items":[{"id":1,"name":...},...]}}.
 *
 * <p>Real-time mode by default ({@code SPARKPLUG_TRIGGER}, micro-batches with {@code microbatch}):
 * the plan is parsing, a UDF lookup and projections, and a {@code foreach} sink, all of which Spark
 * runs in real-time mode, so a request is answered as it arrives. Two things are done in the tasks
 * rather than once per batch on the driver, since in real-time mode the plan is fixed for a whole
 * batch and there is no {@code foreachBatch}:
 *
 * <ul>
 *   <li>The model lookup. When the driver loads a model (at start, and every {@code
 *       RECOMMENDER_MODEL_CHECK_SECONDS} if a newer one is published) it applies it to every user
 *       once and publishes the result as a {@link UserTable} file. Each executor reads the newest
 *       table into memory ({@link UserLookup}) and looks again at most every {@code
 *       RECOMMENDER_MODEL_CHECK_SECONDS}, in the background: a new model is served without a
 *       restart, by each executor within that interval (plus the time to read the table), and no
 *       request waits for a load.
 *   <li>The replies and exposures: {@link RecommendationWriter} sends each reply, then queues the
 *       exposure in the task's {@link ExposureLog}, which writes files of its own and hands the
 *       exposures to the executor's Kafka producer in the background.
 * </ul>
 *
 * <p>Loading a model runs Spark jobs while the query serves: they need a core besides the real-time
 * readers' (in driver mode one reader; a local session of two cores or more has one free).
 */
public final class RecommendationService implements AutoCloseable {
  static final String PATH = "/recommendations";

  private static final StructType BODY =
      new StructType()
          .add("user", DataTypes.StringType)
          .add("n", DataTypes.IntegerType)
          .add("_corrupt_record", DataTypes.StringType);

  private final SparkSession spark;
  private final RecommenderConfig config;
  private final VersionedFeed userTables;
  private final AtomicReference<String> serving = new AtomicReference<>();
  private final ScheduledExecutorService modelWatch;
  private StreamingQuery query;
  private volatile String failedModel;

  private RecommendationService(SparkSession spark, RecommenderConfig config) {
    this.spark = spark;
    this.config = config;
    this.userTables = config.userTables(spark);
    this.modelWatch = Executors.newSingleThreadScheduledExecutor(Serving.daemon("model-watch"));
  }

  public StreamingQuery query() {
    return query;
  }

  /**
   * The time stamp of the model the service serves: the newest it loaded and published to the
   * executors. At start every executor serves it; after a swap each executor takes it within {@code
   * RECOMMENDER_MODEL_CHECK_SECONDS} (replies name the model that answered them).
   */
  public String model() {
    return VersionedFeed.snapshotOf(serving.get());
  }

  /** The newest published model that could not be loaded (and is not served), or null. */
  public String modelNotLoaded() {
    return failedModel;
  }

  /** Stops serving: the tasks end their epoch, so every exposure accepted is written. */
  @Override
  public void close() throws Exception {
    modelWatch.shutdownNow();
    SparkPlugHttp.stop(query);
  }

  /** Loads the newest model and interactions, publishes the user table, then starts serving. */
  public static RecommendationService start(SparkSession spark, RecommenderConfig config)
      throws TimeoutException, IOException {
    if (!config.kafkaBootstrapServers().isBlank()) {
      KafkaExposures.requireClient(); // say so at start, not at the first exposure
    }
    RecommendationService service = new RecommendationService(spark, config);
    service.serve(config.models(spark).require("AlsTrainer"));

    // The tasks read the user tables and write the exposures with the session's Hadoop settings.
    Broadcast<SerializableConfiguration> hadoopConf =
        SerializableConfiguration.broadcast(spark.sparkContext());
    UserLookup.Udf users =
        new UserLookup.Udf(
            qualified(spark, config.dataDir()), hadoopConf, config.modelCheckSeconds());
    Column lookup = udf(users, UserTable.ENTRY).asNondeterministic().apply(col("user"));
    ExposureLog.Target exposures =
        new ExposureLog.Target(
            qualified(spark, config.exposuresPath()),
            hadoopConf,
            config.kafkaBootstrapServers(),
            config.exposureTopic());

    Dataset<Row> requests = Serving.source(spark, config.serving(), PATH).load();
    service.query =
        answer(requests, lookup, config)
            .writeStream()
            .queryName("recommendation-service")
            .option("checkpointLocation", Serving.checkpoint(config.serving(), "recommender"))
            .outputMode("update") // what real-time mode requires; the same as append here
            .trigger(config.serving().sparkTrigger())
            .foreach(new RecommendationWriter(exposures, users))
            .start();
    if (config.modelCheckSeconds() > 0) {
      service.modelWatch.scheduleWithFixedDelay(
          service::serveNewerModel,
          config.modelCheckSeconds(),
          config.modelCheckSeconds(),
          TimeUnit.SECONDS);
    }
    return service;
  }

  /**
   * Applies the model in {@code modelFolder} to every user of the newest interactions and publishes
   * the result for the executors; from then on it is the model served.
   */
  private void serve(String modelFolder) {
    String interactionsFolder = config.interactions(spark).require("PhotoEtl");
    Dataset<Row> table =
        recommendations(ALSModel.load(modelFolder), spark.read().parquet(interactionsFolder));
    UserTable.publish(userTables, table, VersionedFeed.snapshotOf(modelFolder));
    serving.set(modelFolder);
  }

  /**
   * Swaps in the newest published model when it is not the one served; keeps the old on failure.
   */
  private void serveNewerModel() {
    try {
      String newest = config.models(spark).require("AlsTrainer");
      if (newest.equals(serving.get()) || newest.equals(failedModel)) {
        return;
      }
      String previous = model();
      try {
        serve(newest);
        System.out.println(
            "recommender: serving model "
                + model()
                + " (was "
                + previous
                + "); each executor takes it within "
                + config.modelCheckSeconds()
                + " s");
      } catch (Exception e) { // Spark's Scala code throws checked exceptions undeclared
        failedModel = newest; // tried once; the next published model gets its own try
        System.err.println(
            "recommender: still serving model " + model() + "; cannot load " + newest + ": " + e);
      }
    } catch (Exception | LinkageError e) { // would cancel the schedule: report it and go on
      System.err.println("recommender: cannot look for a newer model: " + e);
    }
  }

  /** {@code path} with its file system's scheme and authority, as executors must resolve it. */
  private static String qualified(SparkSession spark, String path) throws IOException {
    Path p = new Path(path);
    return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(p).toString();
  }

  public static void main(String[] args) throws Exception {
    RecommenderConfig config = RecommenderConfig.fromEnv();
    SparkSession spark = Serving.session("recommendation-service", config.serving());
    RecommendationService service = start(spark, config);
    Serving.runUntilStopped(spark, service.query(), service, config.serving(), banner(config));
  }

  /**
   * What both variants need per known user, kept small since every executor holds it: {@code user},
   * the model's top attractions {@code als} ({@code id, score}, best first), and the {@code
   * favouriteArea} that the static variant's picks follow.
   */
  static Dataset<Row> recommendations(ALSModel model, Dataset<Row> interactions) {
    SparkSession spark = interactions.sparkSession();
    // The area a user took most photos in (ties: the last by name).
    Dataset<Row> favourites =
        interactions
            .join(Attractions.table(spark), col("attraction").equalTo(col("id")))
            .groupBy("user", "area")
            .agg(sum("photos").as("photos"))
            .groupBy("user")
            .agg(max(struct(col("photos"), col("area"))).getField("area").as("favouriteArea"));
    Dataset<Row> als =
        model
            .recommendForAllUsers(RecommenderConfig.MAX_ITEMS)
            .select(
                col("user"),
                transform(
                        col("recommendations"),
                        r ->
                            struct(
                                r.getField("attraction").as("id"),
                                r.getField("rating").as("score")))
                    .as("als"));
    return favourites.join(als, "user", "left_outer");
  }

  /**
   * For each request row, in this order (the {@link RecommendationWriter} reads them by position):
   * a {@code reply} ({@code id, status, body}) and, when a recommendation is served, its {@code
   * exposure} as JSON ({@code request, user, variant, model, items}; the writer adds {@code
   * servedAt}) and {@code exposureKey}, the user. {@code lookup} is the user's {@link
   * UserTable#ENTRY} for column {@code user}.
   */
  static Dataset<Row> answer(Dataset<Row> requests, Column lookup, RecommenderConfig config) {
    Column post = col("method").equalTo("POST");
    Column body = from_json(col("body").cast("string"), BODY, Map.of("mode", "PERMISSIVE"));
    Dataset<Row> parsed =
        requests
            .withColumn("q", body)
            .select(
                col("id"),
                col("path"),
                post.and(col("q").isNull().or(col("q._corrupt_record").isNotNull()))
                    .as("malformed"),
                nullif(when(post, col("q.user")).otherwise(param("user")), lit("")).as("userText"),
                nullif(when(post, col("q.n").cast("string")).otherwise(param("n")), lit(""))
                    .as("nText"))
            // Validate before casting: with ANSI SQL a bad cast would fail the query (a 500).
            .withColumn(
                "user", when(col("userText").rlike("^[0-9]{1,9}$"), col("userText").cast("int")))
            .withColumn(
                "n",
                when(col("nText").isNull(), lit(config.items()))
                    .when(col("nText").rlike("^[0-9]{1,2}$"), col("nText").cast("int")))
            // The user's entry in the table this JVM serves (null for an unknown user), once per
            // row: model, favourite area and the model's items come from the same table.
            .withColumn("entry", lookup);

    Column validN = col("n").between(1, RecommenderConfig.MAX_ITEMS);
    Column problem =
        when(col("path").notEqual(PATH), error(404, lit("no such resource; try " + PATH)))
            .when(
                col("malformed"),
                error(400, lit("body must be a JSON object like {\"user\":\"42\",\"n\":3}")))
            .when(
                col("userText").isNull(),
                error(400, lit("missing user: add ?user=ID, or {\"user\":\"ID\"} as the body")))
            .when(
                col("user").isNull(),
                error(
                    400,
                    concat(lit("user must be a numeric id, not '"), col("userText"), lit("'"))))
            .when(
                validN.isNull().or(validN.equalTo(false)),
                error(400, lit("n must be from 1 to " + RecommenderConfig.MAX_ITEMS)))
            .when(col("entry").isNull(), error(404, concat(lit("unknown user "), col("user"))));

    Column variant = config.experiment().variant(col("user"));
    Column count = when(validN, col("n")).otherwise(0); // slice() rejects a negative length
    Column items =
        when(
                variant.equalTo(Experiment.ALS),
                transform(
                    slice(col("entry.als"), lit(1), count),
                    r -> Attractions.item(r.getField("id"), r.getField("score"))))
            .otherwise(slice(Attractions.picksFor(col("entry.favouriteArea")), lit(1), count));

    Dataset<Row> answered =
        parsed.select(
            col("id"),
            col("user"),
            variant.as("variant"),
            when(variant.equalTo(Experiment.ALS), col("entry.model")).as("model"),
            items.as("items"),
            problem.as("problem"));
    Column served = col("problem").isNull();
    Column reply =
        struct(
            col("id"),
            coalesce(col("problem.status"), lit(200)).as("status"),
            when(served, to_json(struct(col("user"), col("variant"), col("model"), col("items"))))
                .otherwise(to_json(struct(col("problem.error"))))
                .as("body"));
    // servedAt is added by the writer: in real-time mode current_timestamp() is the batch's start.
    Column exposure =
        to_json(
            struct(
                col("id").as("request"),
                col("user"),
                col("variant"),
                col("model"),
                transform(col("items"), i -> i.getField("id")).as("items")));
    return answered.select(
        reply.as("reply"),
        when(served, exposure).as("exposure"),
        when(served, col("user").cast("string")).as("exposureKey"));
  }

  /** A query-string parameter, raw ({@code ""} when absent); ids need no URL decoding. */
  /**
   * A query parameter of a GET, decoded, from the request's {@code params} column; null when
   * absent. (The body of a POST stays parsed here: one source serves both methods, and a {@code
   * requestSchema} would hold every request, GETs too, to a JSON body.)
   */
  private static Column param(String name) {
    return col("params").getItem(name);
  }

  private static Column error(int status, Column message) {
    return struct(lit(status).as("status"), message.as("error"));
  }

  static String banner(RecommenderConfig config) {
    String banner = "SparkPlug HTTP recommender serving " + config.serving().describe(PATH);
    if (config.serving().executorMode()) {
      return banner;
    }
    String url = "http://127.0.0.1:" + config.serving().port() + PATH;
    return banner + "  (try: curl -s '" + url + "?user=42')";
  }
}
