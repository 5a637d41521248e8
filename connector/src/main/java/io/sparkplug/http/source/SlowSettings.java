package io.sparkplug.http.source;

import io.sparkplug.http.ServingCheckpointFileManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spark settings known to cost a serving query tens of milliseconds per batch, read when its source
 * is created and logged in one WARN when the query first asks the source for work (by then the
 * trigger is known: the polling delay only matters to micro-batches).
 */
public final class SlowSettings {
  private static final Logger LOG = LoggerFactory.getLogger(SlowSettings.class);

  static final String CHECKPOINT_MANAGER = "spark.sql.streaming.checkpointFileManagerClass";
  static final String FAST_CHECKPOINT_MANAGER = ServingCheckpointFileManager.class.getName();
  static final String POLLING_DELAY = "spark.sql.streaming.pollingDelay";

  /**
   * How long an HDFS client first sleeps when the NameNode will not yet close a file because the
   * DataNode has not reported its last block (a race every small checkpoint write can lose); it
   * doubles at each retry. Hadoop's default is 400 ms.
   */
  public static final String HDFS_CLOSE_RETRY_DELAY =
      "dfs.client.block.write.locateFollowingBlock.initial.delay.ms";

  /** How many times that HDFS client retries before the write fails. Hadoop's default is 5. */
  public static final String HDFS_CLOSE_RETRIES =
      "dfs.client.block.write.locateFollowingBlock.retries";

  /** At or above this first retry delay the WARN names the setting for an HDFS checkpoint. */
  static final long SLOW_HDFS_CLOSE_RETRY_MS = 100;

  /** Spark's default polling delay; at or above it the WARN names the setting. */
  static final long SLOW_POLLING_DELAY_MS = 10;

  private final String checkpointCost;
  private final String hdfsCloseCost;
  private final String pollingCost;
  private volatile boolean checked;

  private SlowSettings(String checkpointCost, String hdfsCloseCost, String pollingCost) {
    this.checkpointCost = checkpointCost;
    this.hdfsCloseCost = hdfsCloseCost;
    this.pollingCost = pollingCost;
  }

  /** Reads the settings of {@code spark} for a source whose checkpoint is {@code checkpoint}. */
  public static SlowSettings of(SparkSession spark, String checkpoint) {
    String checkpointCost = null;
    String hdfsCloseCost = null;
    String scheme = checkpoint == null ? null : schemeOf(spark, checkpoint);
    if ("hdfs".equals(scheme)) {
      long delayMs = hdfsCloseRetryMs(spark);
      if (delayMs >= SLOW_HDFS_CLOSE_RETRY_MS) {
        hdfsCloseCost =
            "spark.hadoop."
                + HDFS_CLOSE_RETRY_DELAY
                + "="
                + delayMs
                + ": a checkpoint log write whose close the NameNode first refuses (the"
                + " DataNode has not reported the block yet) sleeps "
                + delayMs
                + " ms before it retries, several times a minute; set it to 10 (and"
                + " locateFollowingBlock.retries to 10, to keep about 10 s of patience)";
      }
    }
    String manager = spark.conf().get(CHECKPOINT_MANAGER, "");
    if (manager.isBlank() && scheme != null) {
      if ("file".equals(scheme) || "hdfs".equals(scheme)) {
        checkpointCost =
            CHECKPOINT_MANAGER
                + " is Spark's default, which writes every offset and commit log entry of this "
                + scheme
                + ": checkpoint through Hadoop's FileContext (about 40-50 ms per log write on a"
                + " local disk of a 2-core machine, twice per batch); set it to "
                + FAST_CHECKPOINT_MANAGER;
      }
    }
    String pollingCost = null;
    long pollingMs =
        JavaUtils.timeStringAsMs(spark.conf().get(POLLING_DELAY, SLOW_POLLING_DELAY_MS + "ms"));
    if (pollingMs >= SLOW_POLLING_DELAY_MS) {
      pollingCost =
          POLLING_DELAY
              + "="
              + pollingMs
              + "ms: an idle micro-batch query notices a new request up to "
              + pollingMs
              + " ms late; set it to 1ms";
    }
    return new SlowSettings(checkpointCost, hdfsCloseCost, pollingCost);
  }

  /** The first close retry delay an HDFS client of this session would use. */
  private static long hdfsCloseRetryMs(SparkSession spark) {
    String value =
        spark
            .conf()
            .get(
                "spark.hadoop." + HDFS_CLOSE_RETRY_DELAY,
                spark.sparkContext().hadoopConfiguration().get(HDFS_CLOSE_RETRY_DELAY, "400"));
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return 0; // Hadoop will refuse it itself
    }
  }

  private static String schemeOf(SparkSession spark, String checkpoint) {
    try {
      Path path = new Path(checkpoint);
      String scheme = path.toUri().getScheme();
      if (scheme == null) {
        scheme = FileSystem.getDefaultUri(spark.sparkContext().hadoopConfiguration()).getScheme();
      }
      return scheme == null ? "file" : scheme.toLowerCase(Locale.ROOT);
    } catch (RuntimeException e) {
      return null; // not a path this check understands: say nothing
    }
  }

  /**
   * The first time the query asks for work: one WARN naming every slow setting, if any. Called on
   * every poll, so later calls cost one volatile read.
   */
  public void warnOnce(String source, boolean realTime) {
    if (checked) {
      return;
    }
    synchronized (this) {
      if (checked) {
        return;
      }
      checked = true;
    }
    List<String> costs = costs(realTime);
    if (!costs.isEmpty()) {
      LOG.warn(
          "{} serves with settings that cost latency: {}. SparkPlugHttp.servingSession(builder)"
              + " (or the --conf lines in docs/performance.md) sets the fast ones.",
          source,
          String.join("; ", costs));
    }
  }

  /** What the WARN would name, for a query of this trigger. */
  List<String> costs(boolean realTime) {
    List<String> costs = new ArrayList<>();
    if (checkpointCost != null) {
      costs.add(checkpointCost);
    }
    if (hdfsCloseCost != null) {
      costs.add(hdfsCloseCost);
    }
    if (pollingCost != null && !realTime) {
      costs.add(pollingCost);
    }
    return costs;
  }
}
