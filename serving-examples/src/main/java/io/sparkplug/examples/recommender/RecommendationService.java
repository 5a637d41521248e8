package io.sparkplug.examples.recommender;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.nullif;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.transform;
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
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Serves {@code GET /recommendations?user=42&n=3} and {@code POST /recommendations} with {@code
 * {"user":"42","n":3}}: the user's top attractions from the variant the A/B experiment assigns, as
 * {@code {"user":42,"variant":"als","model":"...","items":[{"id":1,"name":...},...]}}.
 *
 * <p>The newest model is applied to every user once, when it is loaded (the catalog is small), so a
 * request is a lookup in a small table. Every {@code RECOMMENDER_MODEL_CHECK_SECONDS} the service
 * looks for a newer model in the feed and, once it is loaded, answers the next batches from it: a
 * new model is served without a restart, and no request waits for the load. Each micro-batch
 * answers its requests with {@code foreachBatch}: the tasks send the replies and hand the exposures
 * to the {@link ExposureLog}.
 *
 * <p>This is the one example that serves in micro-batches whatever {@code SPARKPLUG_TRIGGER} says:
 * real-time mode runs no {@code foreachBatch}, and swapping the model between batches and logging
 * exposures on the driver are what {@code foreachBatch} gives it (README.md, "Triggers").
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
  private final AtomicReference<Snapshot> serving;
  private final ScheduledExecutorService modelWatch;
  private StreamingQuery query;
  private ExposureLog exposures;
  private volatile String failedModel;

  /**
   * One model's recommendations for every known user ({@link #recommendations}), as a local table:
   * each batch broadcasts it without reading the files again (Spark still runs a small job per
   * batch to collect it for the broadcast).
   */
  private record Snapshot(String folder, Dataset<Row> table) {
    String model() {
      return VersionedFeed.snapshotOf(folder);
    }
  }

  private RecommendationService(SparkSession spark, RecommenderConfig config, Snapshot first) {
    this.spark = spark;
    this.config = config;
    this.serving = new AtomicReference<>(first);
    this.modelWatch =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "model-watch");
              thread.setDaemon(true);
              return thread;
            });
  }

  public StreamingQuery query() {
    return query;
  }

  /** The time stamp of the model the service answers from now. */
  public String model() {
    return serving.get().model();
  }

  /** The newest published model that could not be loaded (and is not served), or null. */
  public String modelNotLoaded() {
    return failedModel;
  }

  /** Stops serving, then writes the exposures still buffered. */
  @Override
  public void close() throws Exception {
    modelWatch.shutdownNow();
    SparkPlugHttp.stop(query);
    exposures.close();
  }

  /** Loads the newest model and interactions, then starts serving. */
  public static RecommendationService start(SparkSession spark, RecommenderConfig config)
      throws TimeoutException, IOException {
    RecommendationService service =
        new RecommendationService(
            spark, config, load(spark, config.models(spark).require("AlsTrainer"), config));
    Dataset<Row> requests = Serving.source(spark, config.serving(), PATH).load();
    StructType exposure =
        (StructType)
            answer(requests, service.serving.get().table(), config, "")
                .schema()
                .apply("exposure")
                .dataType();
    service.exposures = new ExposureLog(spark, exposure, config);

    // Each micro-batch: answer from the model being served, the tasks send the replies and hand
    // back the exposures to log.
    VoidFunction2<Dataset<Row>, Long> replyAndLog =
        (batch, batchId) -> {
          Snapshot current = service.serving.get();
          Dataset<Row> answered = answer(batch, current.table(), config, current.model());
          service.exposures.add(Serving.replyAndCollect(answered, "application/json", "exposure"));
        };
    service.query =
        requests
            .writeStream()
            .queryName("recommendation-service")
            .option("checkpointLocation", Serving.checkpoint(config.serving(), "recommender"))
            .foreachBatch(replyAndLog)
            // Micro-batches back to back; see the class comment for why not real-time mode.
            .trigger(Trigger.ProcessingTime(0))
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
   * Applies the model in {@code modelFolder} to every user of the newest interactions, and keeps
   * the result as a local table (a few rows per user; millions of users would rather be a
   * partitioned table or a key-value store).
   */
  private static Snapshot load(SparkSession spark, String modelFolder, RecommenderConfig config) {
    String interactionsFolder = config.interactions(spark).require("PhotoEtl");
    Dataset<Row> table =
        recommendations(ALSModel.load(modelFolder), spark.read().parquet(interactionsFolder));
    return new Snapshot(modelFolder, spark.createDataFrame(table.collectAsList(), table.schema()));
  }

  /**
   * Swaps in the newest published model when it is not the one served; keeps the old on failure.
   */
  private void serveNewerModel() {
    try {
      String newest = config.models(spark).require("AlsTrainer");
      if (newest.equals(serving.get().folder()) || newest.equals(failedModel)) {
        return;
      }
      try {
        Snapshot previous = serving.getAndSet(load(spark, newest, config));
        System.out.println(
            "recommender: serving model " + model() + " (was " + previous.model() + ")");
      } catch (Exception e) { // Spark's Scala code throws checked exceptions undeclared
        failedModel = newest; // tried once; the next published model gets its own try
        System.err.println(
            "recommender: still serving model " + model() + "; cannot load " + newest + ": " + e);
      }
    } catch (Exception | LinkageError e) { // would cancel the schedule: report it and go on
      System.err.println("recommender: cannot look for a newer model: " + e);
    }
  }

  public static void main(String[] args) throws Exception {
    RecommenderConfig config = RecommenderConfig.fromEnv();
    SparkSession spark = Serving.session("recommendation-service", config.serving());
    RecommendationService service = start(spark, config);
    Serving.runUntilStopped(spark, service.query(), service, config.serving(), banner(config));
  }

  /**
   * What both variants need per known user, kept small since every batch broadcasts it: {@code
   * user}, the model's top attractions {@code als} ({@code id, score}, best first), and the {@code
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
   * For each request row, a {@code reply} ({@code id, status, body}) and, when a recommendation is
   * served, an {@code exposure} ({@code request, user, variant, model, items, servedAt}).
   */
  static Dataset<Row> answer(
      Dataset<Row> requests, Dataset<Row> recommendations, RecommenderConfig config, String model) {
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
                    .when(col("nText").rlike("^[0-9]{1,2}$"), col("nText").cast("int")));

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
            .when(col("known").isNull(), error(404, concat(lit("unknown user "), col("user"))));

    Column variant = config.experiment().variant(col("user"));
    Column count = when(validN, col("n")).otherwise(0); // slice() rejects a negative length
    Column items =
        when(
                variant.equalTo(Experiment.ALS),
                transform(
                    slice(col("als"), lit(1), count),
                    r -> Attractions.item(r.getField("id"), r.getField("score"))))
            .otherwise(slice(Attractions.picksFor(col("favouriteArea")), lit(1), count));

    Dataset<Row> known =
        recommendations.withColumn("known", lit(true)).withColumnRenamed("user", "u");
    Dataset<Row> answered =
        parsed
            .join(broadcast(known), col("user").equalTo(col("u")), "left_outer")
            .select(
                col("id"),
                col("user"),
                variant.as("variant"),
                when(variant.equalTo(Experiment.ALS), lit(model)).as("model"),
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
    Column exposure =
        struct(
            col("id").as("request"),
            col("user"),
            col("variant"),
            col("model"),
            transform(col("items"), i -> i.getField("id")).as("items"),
            current_timestamp().as("servedAt"));
    return answered.select(reply.as("reply"), when(served, exposure).as("exposure"));
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
