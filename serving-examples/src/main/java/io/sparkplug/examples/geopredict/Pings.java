package io.sparkplug.examples.geopredict;

import io.sparkplug.examples.common.Serving;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Generated, seeded location pings ({@code user, time, lat, lon}) every 10 minutes, with GPS noise,
 * of people who live somewhere, work somewhere else, and shop with habits: after work mostly at one
 * of the two shops nearest their work, some mornings at the shop nearest home, at weekends at a
 * favourite shop and then the nearest one. Replace {@link #generate} with your own pings.
 */
public final class Pings {
  public static final StructType SCHEMA =
      new StructType()
          .add("user", DataTypes.StringType, false)
          .add("time", DataTypes.TimestampType, false)
          .add("lat", DataTypes.DoubleType, false)
          .add("lon", DataTypes.DoubleType, false);

  /** A Monday, midnight UTC: the first day of pings. */
  static final Instant START = Instant.parse("2026-10-05T00:00:00Z");

  private static final int STEP_MINUTES = 10;
  private static final double METRES_PER_MINUTE = 400; // 24 km/h through town

  private record Point(double lat, double lon) {}

  private record Stay(Point at, long start, long end) {}

  private Pings() {}

  /** Generates the pings and publishes them to the pings feed; returns the snapshot's folder. */
  public static String run(SparkSession spark, GeoConfig config) {
    Dataset<Row> pings = generate(spark, config.seed(), config.users(), config.days());
    return config.pings(spark).publish(folder -> pings.write().parquet(folder));
  }

  public static void main(String[] args) {
    GeoConfig config = GeoConfig.fromEnv();
    SparkSession spark = Serving.session("geopredict-pings", config.serving());
    try {
      System.out.println("published " + run(spark, config));
    } finally {
      spark.stop();
    }
  }

  /**
   * Generates on the executors, each user from a seed of its own, so the pings are the same however
   * the work is split.
   */
  public static Dataset<Row> generate(SparkSession spark, long seed, int users, int days) {
    FlatMapFunction<Long, Row> person =
        u -> {
          Random random = new Random(seed * 1_000_003 + u);
          return pings(String.format("u%03d", u), timeline(random, days), random).iterator();
        };
    return spark.range(1, users + 1).as(Encoders.LONG()).flatMap(person, Encoders.row(SCHEMA));
  }

  /** One person's days as a list of stays, in minutes since {@link #START}. */
  private static List<Stay> timeline(Random random, int days) {
    Point home = awayFromShops(random);
    Point work = awayFromShops(random);
    List<Point> nearWork = nearest(work);
    Point afterWork = nearWork.get(0);
    Point afterWorkSometimes = nearWork.get(1);
    Point nearHome = nearest(home).get(0);
    Shops.Shop favourite = Shops.ALL.get(random.nextInt(Shops.ALL.size()));
    Point weekend = new Point(favourite.lat(), favourite.lon());

    Day day = new Day(home);
    for (int d = 0; d < days; d++) {
      long midnight = d * 1440L;
      boolean weekendDay = d % 7 >= 5;
      if (weekendDay) {
        day.stayUntil(home, midnight + 600 + random.nextInt(60));
        if (random.nextDouble() < 0.8) {
          day.stayFor(weekend, 60 + random.nextInt(60));
        }
        if (random.nextDouble() < 0.5) {
          day.stayFor(nearHome, 20 + random.nextInt(20));
        }
      } else {
        day.stayUntil(home, midnight + 450 + random.nextInt(30));
        if (random.nextDouble() < 0.2) {
          day.stayFor(nearHome, 20);
        }
        day.stayUntil(work, midnight + 1020 + random.nextInt(60));
        if (random.nextDouble() < 0.6) {
          day.stayFor(
              random.nextDouble() < 0.75 ? afterWork : afterWorkSometimes, 30 + random.nextInt(30));
        }
      }
      day.stayUntil(home, midnight + 1440);
    }
    return day.stays;
  }

  /** Builds a timeline: each stay starts once the person has travelled there. */
  private static final class Day {
    final List<Stay> stays = new ArrayList<>();
    Point here;
    long clock;

    Day(Point start) {
      here = start;
    }

    void stayUntil(Point place, long until) {
      if (place.equals(here) && !stays.isEmpty()) {
        Stay last = stays.remove(stays.size() - 1);
        stays.add(new Stay(place, last.start(), Math.max(last.end(), until)));
        clock = Math.max(clock, until);
        return;
      }
      long arrival =
          clock + Math.max(STEP_MINUTES, (long) (metres(here, place) / METRES_PER_MINUTE));
      stays.add(new Stay(place, arrival, Math.max(arrival + STEP_MINUTES, until)));
      clock = stays.get(stays.size() - 1).end();
      here = place;
    }

    void stayFor(Point place, int minutes) {
      long arrival =
          clock + Math.max(STEP_MINUTES, (long) (metres(here, place) / METRES_PER_MINUTE));
      stayUntil(place, arrival + minutes);
    }
  }

  /** A ping every 10 minutes: at the place of the stay, or on the way between two stays. */
  private static List<Row> pings(String user, List<Stay> stays, Random random) {
    List<Row> rows = new ArrayList<>();
    int next = 0;
    long end = stays.get(stays.size() - 1).end();
    for (long minute = 0; minute <= end; minute += STEP_MINUTES) {
      while (stays.get(next).end() < minute) {
        next++;
      }
      Stay stay = stays.get(next);
      Point at = stay.at();
      if (minute < stay.start() && next > 0) { // travelling from the previous stay
        Stay from = stays.get(next - 1);
        double f = (minute - from.end()) / (double) (stay.start() - from.end());
        at =
            new Point(
                from.at().lat() + f * (at.lat() - from.at().lat()),
                from.at().lon() + f * (at.lon() - from.at().lon()));
      }
      // GPS noise of about 10 m.
      double lat = at.lat() + random.nextGaussian() * 10 / 111_320.0;
      double lon =
          at.lon() + random.nextGaussian() * 10 / (111_320.0 * Math.cos(Math.toRadians(at.lat())));
      rows.add(RowFactory.create(user, Timestamp.from(START.plusSeconds(minute * 60)), lat, lon));
    }
    return rows;
  }

  /** A random point in town at least 400 m from every shop, so homes are not mistaken for shops. */
  private static Point awayFromShops(Random random) {
    while (true) {
      Point p = new Point(38.69 + random.nextDouble() * 0.07, -9.18 + random.nextDouble() * 0.08);
      if (nearest(p).stream().allMatch(s -> metres(p, s) > 400)) {
        return p;
      }
    }
  }

  private static List<Point> nearest(Point p) {
    return Shops.ALL.stream()
        .map(s -> new Point(s.lat(), s.lon()))
        .sorted(Comparator.comparingDouble(s -> metres(p, s)))
        .toList();
  }

  static double metres(Point a, Point b) {
    double dLat = Math.toRadians(b.lat() - a.lat());
    double dLon = Math.toRadians(b.lon() - a.lon());
    double h =
        Math.pow(Math.sin(dLat / 2), 2)
            + Math.cos(Math.toRadians(a.lat()))
                * Math.cos(Math.toRadians(b.lat()))
                * Math.pow(Math.sin(dLon / 2), 2);
    return 12_742_000 * Math.asin(Math.sqrt(h));
  }
}
