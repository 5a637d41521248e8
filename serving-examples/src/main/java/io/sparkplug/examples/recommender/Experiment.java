package io.sparkplug.examples.recommender;

import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.conv;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.when;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.spark.sql.Column;

/**
 * The A/B assignment: a user's bucket is the first 32 bits of {@code SHA-256("<salt>:<user>")}
 * modulo 100; buckets below {@code alsPercent} get the ALS variant, the others the static one.
 * Nothing is stored: the same salt gives the same assignment in the service (Spark SQL), here
 * (Java) and anywhere else, for instance in Python: {@code int(hashlib.sha256(f"{salt}:{user}"
 * .encode()).hexdigest()[:8], 16) % 100}.
 *
 * <p>Offline: {@code java ... io.sparkplug.examples.recommender.Experiment 17 42 1001} prints each
 * user's bucket and variant for the salt and split in {@code RECOMMENDER_SALT} and {@code
 * RECOMMENDER_ALS_PERCENT}.
 */
public record Experiment(String salt, int alsPercent) {
  public static final String ALS = "als";
  public static final String STATIC = "static";

  public int bucket(long user) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((salt + ":" + user).getBytes(StandardCharsets.UTF_8));
      return (int) (Long.parseLong(HexFormat.of().formatHex(digest, 0, 4), 16) % 100);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  public String variant(long user) {
    return bucket(user) < alsPercent ? ALS : STATIC;
  }

  /** The same assignment as a Spark column, for a column of numeric user ids. */
  public Column variant(Column user) {
    Column hash = sha2(concat(lit(salt + ":"), user.cast("string")), 256);
    Column bucket = pmod(conv(substring(hash, 1, 8), 16, 10).cast("long"), lit(100));
    return when(user.isNotNull(), when(bucket.lt(alsPercent), ALS).otherwise(STATIC));
  }

  public static void main(String[] args) {
    if (args.length == 0) {
      System.err.println("usage: Experiment USER_ID... (salt and split from the environment)");
      System.exit(2);
    }
    Experiment experiment = RecommenderConfig.fromEnv().experiment();
    System.out.println("user\tbucket\tvariant\t(salt '" + experiment.salt() + "')");
    for (String arg : args) {
      long user = Long.parseLong(arg);
      System.out.println(user + "\t" + experiment.bucket(user) + "\t" + experiment.variant(user));
    }
  }
}
