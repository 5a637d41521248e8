package io.sparkplug.examples.recommender;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.to_json;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Records every recommendation served ({@code request, user, variant, model, items, servedAt}) for
 * the offline analysis of the experiment: as JSON lines in one folder per day under {@link
 * RecommenderConfig#exposuresPath()}, and to a Kafka topic when {@code KAFKA_BOOTSTRAP_SERVERS} is
 * set (this needs {@code spark-sql-kafka-0-10} on the classpath).
 *
 * <p>Exposures are buffered on the driver and written every few seconds by a background thread, so
 * no client waits for a file or a broker; {@link #close()} writes what is left. The price: a driver
 * that crashes loses the last seconds of exposures.
 */
final class ExposureLog implements AutoCloseable {
  private static final String KAFKA_PROVIDER = "org.apache.spark.sql.kafka010.KafkaSourceProvider";

  private final SparkSession spark;
  private final StructType schema;
  private final String path;
  private final String kafkaServers;
  private final String topic;
  private final ScheduledExecutorService writer;
  private List<Row> buffer = new ArrayList<>();

  ExposureLog(SparkSession spark, StructType schema, RecommenderConfig config) {
    this.spark = spark;
    this.schema = schema;
    this.path = config.exposuresPath();
    this.kafkaServers = config.kafkaBootstrapServers();
    this.topic = config.exposureTopic();
    if (!kafkaServers.isBlank()) {
      try {
        Class.forName(KAFKA_PROVIDER);
      } catch (ClassNotFoundException e) {
        // Say so at start, not at the first exposure.
        throw new IllegalStateException(
            "KAFKA_BOOTSTRAP_SERVERS is set but spark-sql-kafka-0-10 is not on the classpath;"
                + " add it (spark-submit --packages or --jars) or unset the variable",
            e);
      }
    }
    writer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "exposure-log");
              thread.setDaemon(true);
              return thread;
            });
    writer.scheduleWithFixedDelay(this::flush, 2, 2, TimeUnit.SECONDS);
  }

  synchronized void add(List<Row> exposures) {
    buffer.addAll(exposures);
  }

  private void flush() {
    List<Row> rows;
    synchronized (this) {
      rows = buffer;
      buffer = new ArrayList<>();
    }
    if (rows.isEmpty()) {
      return;
    }
    try {
      write(spark.createDataFrame(rows, schema));
    } catch (RuntimeException e) {
      System.err.println("exposure log: " + rows.size() + " exposures kept for a retry: " + e);
      synchronized (this) {
        rows.addAll(buffer);
        buffer = rows;
      }
    }
  }

  private void write(Dataset<Row> exposures) {
    exposures
        .withColumn("date", to_date(col("servedAt")))
        .coalesce(1) // one small file per flush and day
        .write()
        .mode("append")
        .partitionBy("date")
        .json(path);
    if (!kafkaServers.isBlank()) {
      exposures
          .select(col("user").cast("string").as("key"), to_json(struct(col("*"))).as("value"))
          .write()
          .format("kafka")
          .option("kafka.bootstrap.servers", kafkaServers)
          .option("topic", topic)
          .save();
    }
  }

  /** Stops the background writer and writes what is left. */
  @Override
  public void close() throws InterruptedException {
    writer.shutdown();
    writer.awaitTermination(60, TimeUnit.SECONDS);
    flush();
  }
}
