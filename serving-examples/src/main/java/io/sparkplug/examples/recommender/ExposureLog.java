package io.sparkplug.examples.recommender;

import io.sparkplug.examples.common.Serving;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The exposures one task records in one epoch (a real-time batch, or a micro-batch), for the
 * offline analysis of the experiment: each recommendation served ({@code request, user, variant,
 * model, items, servedAt}) as a JSON line in a file of its own under {@link
 * RecommenderConfig#exposuresPath()}{@code /date=YYYY-MM-DD/part-<epoch>-<partition>-<uuid>.json},
 * and to a Kafka topic when {@code KAFKA_BOOTSTRAP_SERVERS} is set.
 *
 * <p>{@link #add} only queues the line: a background thread of the executor writes the queue every
 * second (and {@code hflush}es, so readers see it) and hands it to the executor's Kafka producer,
 * so no client waits for a file or a broker. {@link #close()}, at the end of the task's epoch,
 * writes the rest, closes the files and waits for Kafka's acknowledgements: what a normal stop
 * accepted is all recorded. The price: a killed executor loses up to a second of exposures, and
 * every task writes files of its own (one per epoch and day; in micro-batches, one per batch that
 * served a recommendation).
 */
final class ExposureLog {
  /** Where exposures go: what the tasks need to open a log, sent with the writer. */
  record Target(
      String path,
      Broadcast<SerializableConfiguration> hadoopConf,
      String kafkaServers,
      String topic)
      implements Serializable {}

  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

  /** As Spark's {@code to_json} writes a timestamp in a UTC session. */
  private static final DateTimeFormatter SERVED_AT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

  private static final ScheduledExecutorService WRITER =
      Executors.newSingleThreadScheduledExecutor(Serving.daemon("exposure-log"));

  /** A line to record: its day (the folder), its Kafka key (the user) and the line. */
  private record Exposure(String day, String key, String line) {}

  private final Target target;
  private final String fileName;
  private final FileSystem fs;
  private final KafkaExposures kafka;
  private final Map<String, FSDataOutputStream> files = new LinkedHashMap<>();
  private final ScheduledFuture<?> schedule;
  private final Object queueLock = new Object();
  private List<Exposure> queued = new ArrayList<>(); // guarded by queueLock
  private List<Exposure> unwritten = new ArrayList<>(); // file writes to retry; by this
  private int file;

  private ExposureLog(Target target, long partition, long epoch) throws IOException {
    this.target = target;
    this.fileName =
        "part-" + epoch + "-" + partition + "-" + UUID.randomUUID().toString().substring(0, 8);
    Path root = new Path(target.path());
    this.fs = root.getFileSystem(target.hadoopConf().value().value());
    this.kafka =
        target.kafkaServers().isBlank()
            ? null
            : KafkaExposures.of(target.kafkaServers(), target.topic());
    this.schedule = WRITER.scheduleWithFixedDelay(this::writeQuietly, 1, 1, TimeUnit.SECONDS);
  }

  static ExposureLog open(Target target, long partition, long epoch) {
    try {
      return new ExposureLog(target, partition, epoch);
    } catch (IOException e) {
      throw new IllegalStateException("cannot open the exposure log " + target.path(), e);
    }
  }

  /**
   * Queues one exposure: {@code json} is the exposure without {@code servedAt}, which is now; the
   * Kafka key is {@code user}.
   */
  void add(String user, String json) {
    Instant now = Instant.now();
    String line =
        json.substring(0, json.length() - 1) + ",\"servedAt\":\"" + SERVED_AT.format(now) + "\"}";
    Exposure exposure = new Exposure(DAY.format(now), user, line);
    synchronized (queueLock) {
      queued.add(exposure);
    }
  }

  /** Writes what is queued, closes the files and waits for Kafka; at the end of the epoch. */
  void close() {
    schedule.cancel(false);
    synchronized (this) {
      write();
      if (!unwritten.isEmpty()) {
        System.err.println(
            "recommender: "
                + unwritten.size()
                + " exposures could not be written to "
                + target.path()
                + " and are lost");
      }
      for (Map.Entry<String, FSDataOutputStream> open : files.entrySet()) {
        try {
          open.getValue().close();
        } catch (IOException e) {
          System.err.println("recommender: exposure file of " + open.getKey() + ": " + e);
        }
      }
      files.clear();
    }
    if (kafka != null) {
      try {
        kafka.flush();
      } catch (RuntimeException e) { // interrupted: the task is being cancelled
        System.err.println("recommender: exposures to Kafka may be incomplete: " + e);
      }
    }
  }

  private void writeQuietly() {
    try {
      write();
    } catch (RuntimeException e) { // would cancel the schedule: report and go on
      System.err.println("recommender: exposure log: " + e);
    }
  }

  private synchronized void write() {
    List<Exposure> batch;
    synchronized (queueLock) {
      if (queued.isEmpty() && unwritten.isEmpty()) {
        return;
      }
      batch = queued;
      queued = new ArrayList<>();
    }
    if (kafka != null) {
      for (Exposure exposure : batch) {
        kafka.send(exposure.key(), exposure.line());
      }
    }
    List<Exposure> toWrite = unwritten;
    toWrite.addAll(batch);
    unwritten = new ArrayList<>();
    int written = 0;
    try {
      List<FSDataOutputStream> touched = new ArrayList<>();
      for (Exposure exposure : toWrite) {
        FSDataOutputStream out = files.get(exposure.day());
        if (out == null) {
          out = fs.create(new Path(target.path(), "date=" + exposure.day() + "/" + name()), false);
          files.put(exposure.day(), out);
        }
        out.write((exposure.line() + "\n").getBytes(StandardCharsets.UTF_8));
        if (!touched.contains(out)) {
          touched.add(out);
        }
        written++;
      }
      for (FSDataOutputStream out : touched) {
        out.hflush(); // readers see the lines now, not when the file closes
      }
    } catch (IOException e) {
      // Keep what was not written for the next try, in new files: the broken ones are dropped.
      unwritten = new ArrayList<>(toWrite.subList(written, toWrite.size()));
      for (FSDataOutputStream out : files.values()) {
        try {
          out.close();
        } catch (IOException closing) {
          // already reported through the write's failure
        }
      }
      files.clear();
      System.err.println(
          "recommender: "
              + unwritten.size()
              + " exposures kept for a retry; cannot write to "
              + target.path()
              + ": "
              + e);
    }
  }

  /** This log's file name in each day's folder; a new one after a failed write. */
  private String name() {
    return fileName + (file++ == 0 ? "" : "-" + file) + ".json";
  }
}
