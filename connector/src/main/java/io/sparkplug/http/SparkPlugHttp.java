package io.sparkplug.http;

import io.sparkplug.http.sink.ReplyWriter;
import io.sparkplug.http.source.BoundaryStop;
import io.sparkplug.http.source.SlowSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.ForeachWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.SourceProgress;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;

/**
 * One step to a fast serving job: the session settings, the trigger, the reply sink and a clean
 * stop.
 *
 * <pre>{@code
 * SparkSession spark = SparkPlugHttp.servingSession(SparkSession.builder()).getOrCreate();
 * Dataset<Row> requests = spark.readStream().format("sparkplug-http").option("port", 8080).load();
 * StreamingQuery query =
 *     SparkPlugHttp.serve(requests.select(col("id"), col("body")))   // real-time mode
 *         .option("checkpointLocation", "/tmp/ckpt")
 *         .start();
 * ...
 * SparkPlugHttp.stop(query);
 * }</pre>
 */
public final class SparkPlugHttp {
  /**
   * The real-time batch duration {@link #realTime()} uses: how often Spark logs offsets. Each
   * boundary pauses serving for tens of milliseconds (docs/performance.md has the measured
   * trade-off); a longer duration means fewer pauses, and in executor mode a new executor's server
   * gets its reader at the next boundary.
   */
  public static final String REAL_TIME_BATCH_DURATION = "60 seconds";

  /** The source metric that counts the real-time warm-up batches still to end. */
  public static final String WARM_UP_BATCHES_LEFT = "warmUpBatchesLeft";

  private SparkPlugHttp() {}

  /**
   * The Spark settings of a low-latency serving session, for both triggers. Each is explained in
   * docs/performance.md; pass them as {@code --conf} lines to {@code spark-submit} (or {@code
   * pyspark}) where the session is not built in code.
   *
   * <ul>
   *   <li>{@code spark.sql.streaming.realTimeMode.allowlistCheck=false}: Spark's real-time mode
   *       admits only its own sinks by class name; this lets the {@code sparkplug-http} sink serve
   *       in real-time mode by format name.
   *   <li>{@code spark.sql.streaming.checkpointFileManagerClass=}{@link
   *       ServingCheckpointFileManager}: plain file-system writes for the offset and commit logs on
   *       local and HDFS checkpoints (about 40 ms less per micro-batch than Spark's default), and
   *       no {@code chmod} process per local log write (3-5 ms less per write).
   *   <li>{@code spark.hadoop.fs.file.impl=RawLocalFileSystem}: no {@code .crc} side files for
   *       {@code file:} paths (about 6 ms less per log write).
   *   <li>{@code spark.sql.streaming.pollingDelay=1ms}: an idle micro-batch query notices a new
   *       request within a millisecond instead of ten.
   *   <li>{@code spark.sql.adaptive.enabled=false}: no adaptive re-planning of tiny batches (Spark
   *       turns it off in real-time mode anyway).
   *   <li>{@code spark.buffer.pageSize=1m}: memory pages of 1 MB. Spark sizes pages from the heap
   *       (up to 64 MB), and a broadcast join builds its hash table in a fresh page every batch: a
   *       six-row lookup table then allocates and zeroes 64 MB per batch and keeps several such
   *       pages live until the cleaner frees them. Larger rows still get pages of their own size. A
   *       core setting: it takes effect only where the SparkContext is created with it.
   *   <li>{@code spark.hadoop.dfs.client.block.write.locateFollowingBlock.initial.delay.ms=10} and
   *       {@code ...retries=10}: on an HDFS checkpoint, a log write whose close the NameNode first
   *       refuses (its DataNode has not reported the block yet, a race small writes often lose)
   *       retries after 10 ms instead of 400 ms, doubling up to about 10 s in all as before.
   * </ul>
   */
  public static Map<String, String> servingConf() {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.sql.streaming.realTimeMode.allowlistCheck", "false");
    conf.put(
        "spark.sql.streaming.checkpointFileManagerClass",
        ServingCheckpointFileManager.class.getName());
    conf.put("spark.hadoop.fs.file.impl", "org.apache.hadoop.fs.RawLocalFileSystem");
    conf.put("spark.sql.streaming.pollingDelay", "1ms");
    conf.put("spark.sql.adaptive.enabled", "false");
    conf.put("spark.buffer.pageSize", "1m");
    conf.put("spark.hadoop." + SlowSettings.HDFS_CLOSE_RETRY_DELAY, "10");
    conf.put("spark.hadoop." + SlowSettings.HDFS_CLOSE_RETRIES, "10");
    return conf;
  }

  /** {@code builder} with {@link #servingConf()} applied; settings made later win. */
  public static SparkSession.Builder servingSession(SparkSession.Builder builder) {
    servingConf().forEach(builder::config);
    return builder;
  }

  /** Spark's real-time trigger at {@link #REAL_TIME_BATCH_DURATION}. */
  public static Trigger realTime() {
    return Trigger.RealTime(REAL_TIME_BATCH_DURATION);
  }

  /**
   * The trigger a serving job names in its settings: {@code realtime} ({@link #realTime()}) or
   * {@code microbatch} (micro-batches back to back), in any case.
   *
   * @throws IllegalArgumentException for any other name, saying which are allowed
   */
  public static Trigger trigger(String name) {
    String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    switch (key) {
      case "realtime":
        return realTime();
      case "microbatch":
        return Trigger.ProcessingTime(0);
      default:
        throw new IllegalArgumentException(
            "trigger must be realtime or microbatch, not '" + name + "'");
    }
  }

  /**
   * The {@code sparkplug-http} sink for {@code replies}, in real-time mode: format, output mode
   * {@code update} and the {@link #realTime()} trigger are set; add the checkpoint location and any
   * sink option, then {@code start()}. Needs a session with {@link #servingConf()}.
   */
  public static DataStreamWriter<Row> serve(Dataset<Row> replies) {
    return serve(replies, realTime());
  }

  /**
   * As {@link #serve(Dataset)} with another trigger: {@code Trigger.ProcessingTime(0)} serves in
   * micro-batches, for plans that real-time mode cannot run (shuffles, aggregations, {@code
   * foreachBatch}).
   */
  public static DataStreamWriter<Row> serve(Dataset<Row> replies, Trigger trigger) {
    return replies.writeStream().format("sparkplug-http").outputMode("update").trigger(trigger);
  }

  /**
   * Real-time mode: waits until the query's warm-up batches (source option {@code warmUpBatches})
   * have ended, so that their boundaries, the slowest of a JVM's life, are behind the service
   * before it tells anyone it serves. Requests sent meanwhile are answered; this only tells when
   * the warm-up is over, through the source metric {@code warmUpBatchesLeft} of the query's
   * progress (from PySpark: {@code query.lastProgress["sources"][0]["metrics"]}). A micro-batch
   * query has no warm-up: this returns once it has reported any progress.
   *
   * @throws IllegalStateException when the query stops first (its failure is the cause) or the
   *     warm-up has not ended within {@code timeout}
   */
  public static void awaitWarmUp(StreamingQuery query, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!warmedUp(query.lastProgress())) {
      if (!query.isActive()) {
        Throwable cause = query.exception().isDefined() ? query.exception().get() : null;
        throw new IllegalStateException("the query stopped before its warm-up ended", cause);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the real-time warm-up did not end within " + timeout);
      }
      Thread.sleep(20);
    }
  }

  /** True once every sparkplug-http source of the progress reports no warm-up batch left. */
  private static boolean warmedUp(StreamingQueryProgress progress) {
    if (progress == null) {
      return false;
    }
    for (SourceProgress source : progress.sources()) {
      String left = source.metrics().get(WARM_UP_BATCHES_LEFT);
      if (left != null && !left.equals("0")) {
        return false;
      }
    }
    return true;
  }

  /**
   * Stops a serving query between two batches: its servers stop accepting (new requests get 503),
   * every accepted request is answered, the running batch completes, then the query stops. Unlike a
   * bare {@code query.stop()}, which cancels the running batch (in real-time mode one always runs)
   * and makes Spark log the cancelled write at ERROR, this stops without an error. Waits up to 30
   * seconds for the boundary, then stops the query regardless.
   */
  public static void stop(StreamingQuery query) throws TimeoutException, InterruptedException {
    stop(query, Duration.ofSeconds(30));
  }

  /** As {@link #stop(StreamingQuery)}, waiting up to {@code boundaryTimeout} for the boundary. */
  public static void stop(StreamingQuery query, Duration boundaryTimeout)
      throws TimeoutException, InterruptedException {
    if (query.isActive()) {
      BoundaryStop.finishAndAwaitBoundary(query.id().toString(), boundaryTimeout);
    }
    query.stop();
  }

  /**
   * The reply sink as a foreach writer: {@code replies.writeStream().foreach(replyWriter())}. Spark
   * admits {@code foreach} sinks in real-time mode without {@link #servingConf()}; it is also the
   * way to reply from inside {@code foreachBatch} or {@code mapPartitions}.
   */
  public static ForeachWriter<Row> replyWriter() {
    return new ReplyWriter(null);
  }

  /**
   * The reply sink of a {@code protocol=oip} source as a foreach writer: as {@link #replyWriter()},
   * with the reply rows of the sink's {@code protocol=oip} (each column other than {@code id},
   * {@code status}, {@code headers} and {@code error} an output tensor).
   */
  public static ForeachWriter<Row> oipReplyWriter() {
    return new ReplyWriter(null, true);
  }

  /** As {@link #replyWriter()}, with the content type of replies whose headers set none. */
  public static ForeachWriter<Row> replyWriter(String contentType) {
    return new ReplyWriter(contentType);
  }
}
