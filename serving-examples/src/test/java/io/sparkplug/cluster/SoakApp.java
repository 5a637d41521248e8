package io.sparkplug.cluster;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.upper;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF0;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.types.DataTypes;

/**
 * The echo service of the soak test ({@link SoakIT}), submitted with {@code spark-submit}. One
 * argument, {@code service=NAME,checkpoint=DIR,KEY=VALUE...}: every pair other than {@code service}
 * and {@code checkpoint} is passed to the source as an option, so the soak can set the limits it
 * exercises ({@code readTimeout}, {@code maxBodyBytes}, ...) that {@link ServingApp} leaves at
 * their defaults. Replies are {@code NAME: <BODY UPPER-CASED>} with {@code x-served-by}, the
 * executor that computed them.
 */
public final class SoakApp {
  private static final Set<String> NOT_SOURCE_OPTIONS = Set.of("service", "checkpoint");

  private SoakApp() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: SoakApp service=NAME,checkpoint=DIR,KEY=VALUE...");
    }
    Map<String, String> settings = parse(args[0]);
    SparkSession spark =
        SparkSession.builder()
            .appName("sparkplug-soak")
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.sql.streaming.pollingDelay", "1ms")
            .getOrCreate();
    UserDefinedFunction executorId =
        udf((UDF0<String>) () -> SparkEnv.get().executorId(), DataTypes.StringType)
            .asNondeterministic();
    var reader = spark.readStream().format("sparkplug-http");
    for (Map.Entry<String, String> setting : settings.entrySet()) {
      if (!NOT_SOURCE_OPTIONS.contains(setting.getKey())) {
        reader = reader.option(setting.getKey(), setting.getValue());
      }
    }
    Dataset<Row> requests = reader.load();
    String service = settings.get("service");
    Dataset<Row> replies =
        requests.select(
            col("id"),
            concat(lit(service + ": "), upper(col("body").cast("string"))).as("body"),
            map(lit("x-served-by"), executorId.apply()).as("headers"));
    StreamingQuery query =
        replies
            .writeStream()
            .queryName(service)
            .format("sparkplug-http")
            .option("checkpointLocation", settings.get("checkpoint"))
            .start();
    System.out.println("started " + args[0]);
    query.awaitTermination();
  }

  private static Map<String, String> parse(String arg) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String pair : arg.split(",")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("not KEY=VALUE: " + pair);
      }
      values.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    for (String required : new String[] {"service", "checkpoint", "port"}) {
      if (!values.containsKey(required)) {
        throw new IllegalArgumentException("missing " + required + " in " + arg);
      }
    }
    return values;
  }
}
