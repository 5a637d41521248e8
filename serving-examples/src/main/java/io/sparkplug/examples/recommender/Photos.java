package io.sparkplug.examples.recommender;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A generated, seeded stand-in for the park's photo uploads: one row per photo a visitor took at an
 * attraction (a photo is a proxy for interest). Each visitor has a favourite area, a second one,
 * and little interest in the rest; a few rows are dirty the way real uploads are: re-uploaded
 * photos, a retired attraction, photos without a user. Replace {@link #generate} with a read of
 * your own source and the rest of the pipeline stays the same.
 */
public final class Photos {
  public static final StructType SCHEMA =
      new StructType()
          .add("photo_id", DataTypes.StringType, false)
          .add("user_id", DataTypes.LongType, true)
          .add("attraction_id", DataTypes.IntegerType, false)
          .add("taken_at", DataTypes.TimestampType, false)
          .add("source", DataTypes.StringType, false);

  /** An attraction that closed: photos of it are dropped by the ETL. */
  static final int RETIRED_ATTRACTION = 99;

  private static final Instant SEASON_START = Instant.parse("2026-06-01T09:00:00Z");
  private static final List<String> AREAS =
      List.of("Adventure Peaks", "Fairy Forest", "Splash Bay", "Showtime Square");

  private Photos() {}

  public static Dataset<Row> generate(SparkSession spark, long seed, int users) {
    Random random = new Random(seed);
    List<Row> rows = new ArrayList<>();
    for (long user = 1; user <= users; user++) {
      double[] weights = tastes(random);
      int photos = 3 + random.nextInt(20);
      Instant visit = SEASON_START.plus(random.nextInt(92), ChronoUnit.DAYS);
      for (int p = 0; p < photos; p++) {
        String photoId = String.format("p%d-%04d", user, p);
        int attraction = pick(weights, random);
        Instant takenAt = visit.plus(random.nextInt(12 * 60), ChronoUnit.MINUTES);
        String source = random.nextDouble() < 0.8 ? "phone" : "photopass";
        double dirt = random.nextDouble();
        if (dirt < 0.01) {
          attraction = RETIRED_ATTRACTION;
        }
        Long userId = dirt > 0.995 ? null : user;
        Row row = RowFactory.create(photoId, userId, attraction, Timestamp.from(takenAt), source);
        rows.add(row);
        if (random.nextDouble() < 0.02) {
          rows.add(row); // uploaded twice
        }
      }
    }
    return spark.createDataFrame(rows, SCHEMA);
  }

  /** A visitor's interest in each attraction: a favourite area, a second one, the rest. */
  private static double[] tastes(Random random) {
    int favourite = random.nextInt(AREAS.size());
    int second = (favourite + 1 + random.nextInt(AREAS.size() - 1)) % AREAS.size();
    double[] weights = new double[Attractions.ALL.size()];
    for (int i = 0; i < weights.length; i++) {
      int area = AREAS.indexOf(Attractions.ALL.get(i).area());
      double interest = area == favourite ? 6 : area == second ? 2 : 0.3;
      double popularity = new double[] {1.6, 1.2, 1.0, 0.8}[i % 4];
      weights[i] = interest * popularity;
    }
    return weights;
  }

  private static int pick(double[] weights, Random random) {
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    double r = random.nextDouble() * total;
    for (int i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) {
        return Attractions.ALL.get(i).id();
      }
    }
    return Attractions.ALL.get(weights.length - 1).id();
  }
}
