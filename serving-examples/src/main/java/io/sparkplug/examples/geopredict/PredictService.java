package io.sparkplug.examples.geopredict;

import static io.sparkplug.examples.geopredict.GeoSql.distance;
import static io.sparkplug.examples.geopredict.GeoSql.slot;

import io.sparkplug.examples.common.Serving;
import java.io.IOException;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;

/**
 * Serves {@code POST /predict} with {@code {"user":"u001","lat":38.71,"lon":-9.14,
 * "time":"2026-11-23T17:40:00Z"}} ({@code time} defaults to now): the shop the user most likely
 * goes to next, with its probability, from where the user is and when. The whole query is Spark SQL
 * over the request stream and the newest profiles.
 */
public final class PredictService {
  static final String PATH = "/predict";

  private static final String EXAMPLE =
      "{\"user\":\"u001\",\"lat\":38.71,\"lon\":-9.14,\"time\":\"2026-11-23T17:40:00Z\"}";

  /** The request body, checked by the server; {@code time} (ISO 8601) defaults to now. */
  static final String REQUEST =
      "user STRING NOT NULL, lat DOUBLE NOT NULL, lon DOUBLE NOT NULL, time TIMESTAMP";

  private PredictService() {}

  /** Reply rows ({@code id, status, body}) for the requests in view {@code geo_requests}. */
  static Dataset<Row> answer(SparkSession spark) {
    spark
        .sql(
            """
            SELECT id, path, request.user, request.lat, request.lon,
                   coalesce(request.time, receivedAt) AS time
            FROM geo_requests""")
        .createOrReplaceTempView("geo_parsed");

    // Where is the user: the nearest of the user's places and the shops, if close enough.
    spark
        .sql(
            "SELECT /*+ BROADCAST(p) */ r.*, p.user IS NOT NULL AS known, p.trips, "
                + slot("r.time")
                + " AS slot, array_min(transform(p.places, x -> named_struct('metres', "
                + distance("x.lat", "x.lon", "r.lat", "r.lon")
                + ", 'name', x.name))) AS nearest"
                + " FROM geo_parsed r LEFT JOIN geo_profiles p ON r.user = p.user")
        .createOrReplaceTempView("geo_located");

    // The likeliest shop from here at this time; failing that, from here at any time; failing
    // that, from anywhere. array_max compares the probability first.
    String best =
        "array_max(transform(filter(trips, t -> %s), t -> named_struct('probability',"
            + " t.probability, 'shop', t.shop, 'lat', t.lat, 'lon', t.lon, 'origin', t.origin,"
            + " 'slot', t.slot, 'trips', t.trips)))";
    spark
        .sql(
            "SELECT *, coalesce("
                + String.format(best, "t.origin = origin AND t.slot = slot")
                + ", "
                + String.format(best, "t.origin = origin AND t.slot = 'any'")
                + ", "
                + String.format(best, "t.origin = 'any'")
                + ") AS best FROM (SELECT *, CASE WHEN nearest.metres <= "
                + PlaceMiner.PLACE_METRES
                + " THEN nearest.name ELSE 'elsewhere' END AS origin FROM geo_located)")
        .createOrReplaceTempView("geo_predicted");

    return spark.sql(
        """
        SELECT id, coalesce(problem.status, 200) AS status,
               CASE WHEN problem IS NULL THEN to_json(named_struct(
                      'user', user, 'from', origin, 'slot', slot,
                      'destination', named_struct('shop', best.shop, 'lat', best.lat,
                                                  'lon', best.lon),
                      'probability', best.probability,
                      'basedOn', named_struct('from', best.origin, 'slot', best.slot,
                                              'trips', best.trips)))
                    ELSE to_json(named_struct('error', problem.error)) END AS body
        FROM (SELECT *, CASE
                WHEN path <> '%1$s'
                  THEN named_struct('status', 404, 'error', 'no such resource; POST to %1$s')
                WHEN NOT (lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180)
                  THEN named_struct('status', 400, 'error', 'lat must be within -90..90, lon within -180..180')
                WHEN NOT known
                  THEN named_struct('status', 404, 'error', concat('unknown user ''', user, ''''))
              END AS problem
              FROM geo_predicted)"""
            .formatted(PATH));
  }

  /** Loads the newest profiles, then starts serving. */
  public static StreamingQuery start(SparkSession spark, GeoConfig config)
      throws TimeoutException, IOException {
    String profiles = config.profiles(spark).require("PlaceMiner");
    // A local table: each batch broadcasts it without reading the files again. Spark still runs
    // a small job per batch to collect it for the broadcast (QuoteService avoids even that with a
    // map literal, which suits a few rows; profiles of many users suit a table).
    Dataset<Row> table = spark.read().parquet(profiles);
    spark
        .createDataFrame(table.collectAsList(), table.schema())
        .createOrReplaceTempView("geo_profiles");
    Serving.source(spark, config.serving(), PATH)
        .option("methods", "POST")
        // The server checks each body against this before the query sees it: a body that is not
        // JSON, lacks a field or has a string for a number gets 400 with a problem document.
        .option("requestSchema", REQUEST)
        .load()
        .createOrReplaceTempView("geo_requests");
    // Real-time mode unless SPARKPLUG_TRIGGER=microbatch: the plan is a broadcast join and
    // projections, which real-time mode runs.
    return Serving.sink(answer(spark), config.serving())
        .option("contentType", "application/json")
        .option("checkpointLocation", Serving.checkpoint(config.serving(), "geopredict"))
        .queryName("geopredict-service")
        .start();
  }

  public static void main(String[] args) throws Exception {
    GeoConfig config = GeoConfig.fromEnv();
    SparkSession spark = Serving.session("geopredict-service", config.serving());
    Serving.runUntilStopped(spark, start(spark, config), config.serving(), banner(config));
  }

  static String banner(GeoConfig config) {
    String banner = "SparkPlug HTTP GeoPredict serving " + config.serving().describe(PATH);
    if (config.serving().executorMode()) {
      return banner;
    }
    String url = "http://127.0.0.1:" + config.serving().port() + PATH;
    return banner
        + "  (try: curl -s -H 'Content-Type: application/json' -d '"
        + EXAMPLE
        + "' "
        + url
        + ")";
  }
}
