package io.sparkplug.examples.geopredict;

import static io.sparkplug.examples.geopredict.GeoSql.distance;
import static io.sparkplug.examples.geopredict.GeoSql.slot;

import io.sparkplug.examples.common.Serving;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Spark SQL from location pings to one profile per user: the user's frequent places, and for each
 * shopping trip seen, where it started, when, and which shop it went to, as probabilities. Run on
 * its own with {@code spark-submit --class io.sparkplug.examples.geopredict.PlaceMiner}.
 */
public final class PlaceMiner {
  /** A ping this close to a shop is at the shop. */
  static final int SHOP_METRES = 100;

  /** Pings this close to a place's centre belong to it. */
  static final int PLACE_METRES = 250;

  private PlaceMiner() {}

  /** Profiles ({@code user, places, trips}) from pings ({@code user, time, lat, lon}). */
  public static Dataset<Row> profiles(Dataset<Row> pings) {
    SparkSession spark = pings.sparkSession();
    pings.createOrReplaceTempView("pings");
    Shops.table(spark).createOrReplaceTempView("shops");

    // 1. Which pings are at a shop.
    cachedSql(
        "located",
        "SELECT p.user, p.time, p.lat, p.lon, s.shop FROM pings p LEFT JOIN shops s ON "
            + distance("p.lat", "p.lon", "s.lat", "s.lon")
            + " < "
            + SHOP_METRES);

    // 2. Frequent places: cells of about 100 m where the user spends time (half an hour a day on
    // average: a route passed daily is not a place) on 3 days or more.
    // Noise splits a place over neighbouring cells, so a place is a cell with more pings than
    // any other cell within PLACE_METRES (its peak), and owns the pings nearest to it.
    sql(
        "cells",
        """
        SELECT user, round(lat, 3) AS cellLat, round(lon, 3) AS cellLon, count(*) AS pings,
               count(DISTINCT to_date(time)) AS days, avg(lat) AS lat, avg(lon) AS lon
        FROM located WHERE shop IS NULL
        GROUP BY user, round(lat, 3), round(lon, 3)""");
    sql(
        "peaks",
        "SELECT c.* FROM cells c LEFT ANTI JOIN cells d ON c.user = d.user AND "
            + distance("c.lat", "c.lon", "d.lat", "d.lon")
            + " < "
            + PLACE_METRES
            + " AND struct(d.pings, d.cellLat, d.cellLon) > struct(c.pings, c.cellLat, c.cellLon)"
            + " WHERE c.days >= 3 AND c.pings >= 3 * c.days");
    cachedSql(
        "owned",
        "SELECT l.user, l.time, min_by(struct(p.cellLat, p.cellLon), "
            + distance("l.lat", "l.lon", "p.lat", "p.lon")
            + ") AS cell FROM located l JOIN peaks p ON l.user = p.user AND "
            + distance("l.lat", "l.lon", "p.lat", "p.lon")
            + " < "
            + PLACE_METRES
            + " WHERE l.shop IS NULL GROUP BY l.user, l.time");
    // Home is where the nights are spent, work where weekdays are.
    cachedSql(
        "places",
        """
        SELECT user, cell, lat, lon,
               CASE WHEN nightRank = 1 THEN 'home' WHEN workRank = 1 THEN 'work'
                    ELSE concat('place ', pingRank) END AS name
        FROM (
          SELECT p.user, struct(p.cellLat, p.cellLon) AS cell, p.lat, p.lon,
                 row_number() OVER (PARTITION BY p.user ORDER BY count_if(hour(o.time) < 6) DESC)
                   AS nightRank,
                 row_number() OVER (PARTITION BY p.user ORDER BY count_if(
                   dayofweek(o.time) BETWEEN 2 AND 6 AND hour(o.time) BETWEEN 10 AND 15) DESC)
                   AS workRank,
                 row_number() OVER (PARTITION BY p.user ORDER BY count(*) DESC) AS pingRank
          FROM peaks p JOIN owned o ON o.user = p.user AND o.cell = struct(p.cellLat, p.cellLon)
          GROUP BY p.user, p.cellLat, p.cellLon, p.lat, p.lon)""");

    // 3. Stays: runs of consecutive pings at one shop or place (pings on the way are left out).
    sql(
        "spots",
        """
        SELECT l.user, l.time, coalesce(l.shop, pl.name) AS spot, l.shop IS NOT NULL AS isShop
        FROM located l
        LEFT JOIN owned o ON l.user = o.user AND l.time = o.time
        LEFT JOIN places pl ON o.user = pl.user AND o.cell = pl.cell
        WHERE coalesce(l.shop, pl.name) IS NOT NULL""");
    sql(
        "stays",
        """
        SELECT user, stay, any_value(spot) AS spot, any_value(isShop) AS isShop,
               min(time) AS arrived, count(*) AS pings
        FROM (SELECT *, sum(CASE WHEN spot = previous THEN 0 ELSE 1 END)
                          OVER (PARTITION BY user ORDER BY time) AS stay
              FROM (SELECT *, lag(spot) OVER (PARTITION BY user ORDER BY time) AS previous
                    FROM spots))
        GROUP BY user, stay""");

    // 4. Shopping trips: arrivals at a shop for 10 minutes or more, and where they came from.
    sql(
        "trips",
        "SELECT user, origin, spot AS shop, "
            + slot("arrived")
            + " AS slot FROM (SELECT *, lag(spot) OVER (PARTITION BY user ORDER BY stay) AS origin"
            + " FROM stays WHERE pings >= 2) WHERE isShop AND origin IS NOT NULL");

    // 5. P(shop | origin, slot), and coarser rows for when that exact case was never seen.
    sql(
        "odds",
        """
        SELECT user, origin, slot, shop, trips,
               round(trips / sum(trips) OVER (PARTITION BY user, origin, slot), 2) AS probability
        FROM (SELECT user, coalesce(origin, 'any') AS origin, coalesce(slot, 'any') AS slot,
                     shop, count(*) AS trips
              FROM trips GROUP BY GROUPING SETS ((user, origin, slot, shop), (user, origin, shop),
                                                  (user, shop)))""");

    // 6. One row per user who shops: the places to recognise (the user's own and every shop)
    // and the trips to predict from.
    return spark.sql(
        """
        SELECT t.user, CASE WHEN p.places IS NULL THEN s.places ELSE concat(p.places, s.places) END
               AS places, t.trips
        FROM (SELECT o.user, collect_list(named_struct('origin', o.origin, 'slot', o.slot,
                       'shop', o.shop, 'lat', sh.lat, 'lon', sh.lon, 'trips', o.trips,
                       'probability', o.probability)) AS trips
              FROM odds o JOIN shops sh ON o.shop = sh.shop GROUP BY o.user) t
        LEFT JOIN (SELECT user, collect_list(named_struct('name', name, 'lat', lat, 'lon', lon))
                     AS places FROM places GROUP BY user) p ON t.user = p.user
        CROSS JOIN (SELECT collect_list(named_struct('name', shop, 'lat', lat, 'lon', lon))
                      AS places FROM shops) s""");
  }

  private static void sql(String view, String query) {
    SparkSession.active().sql(query).createOrReplaceTempView(view);
  }

  /** As above, cached: the views read by several later steps are computed once. */
  private static void cachedSql(String view, String query) {
    SparkSession.active().sql(query).cache().createOrReplaceTempView(view);
  }

  /** Mines the newest pings and publishes the profiles; returns their folder. */
  public static String run(SparkSession spark, GeoConfig config) {
    String source = config.pings(spark).require("Pings");
    Dataset<Row> profiles = profiles(spark.read().parquet(source));
    String folder = config.profiles(spark).publish(f -> profiles.write().parquet(f));
    for (String view : new String[] {"located", "owned", "places"}) {
      spark.catalog().uncacheTable(view);
    }
    return folder;
  }

  public static void main(String[] args) {
    GeoConfig config = GeoConfig.fromEnv();
    SparkSession spark = Serving.session("geopredict-miner", config.serving());
    try {
      System.out.println("published " + run(spark, config));
    } finally {
      spark.stop();
    }
  }
}
