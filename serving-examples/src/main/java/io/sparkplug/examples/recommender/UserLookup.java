package io.sparkplug.examples.recommender;

import io.sparkplug.examples.common.Serving;
import io.sparkplug.examples.common.VersionedFeed;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The user table being served in this JVM (an executor, or the driver of a local session): the
 * newest published {@link UserTable} of a feed, held JVM-wide so every task of every batch shares
 * it. At most every {@code checkSeconds} a lookup has a background thread look for a newer table;
 * lookups keep answering from the table they have until the newer one is read, so no request waits
 * for a load. Only the very first lookup in a JVM reads the table on the task's thread.
 */
final class UserLookup {
  private static final ConcurrentHashMap<String, UserLookup> BY_FEED = new ConcurrentHashMap<>();

  private static final ExecutorService LOADER =
      Executors.newSingleThreadExecutor(Serving.daemon("user-table-loader"));

  private final VersionedFeed feed;
  private final long checkNanos;
  private final AtomicBoolean checking = new AtomicBoolean();
  private volatile UserTable current;
  private volatile long nextCheck;

  private UserLookup(VersionedFeed feed, int checkSeconds) {
    this.feed = feed;
    this.checkNanos = TimeUnit.SECONDS.toNanos(checkSeconds);
  }

  /**
   * The JVM's lookup for the user tables under {@code dataDir} (a qualified URI) that looks for a
   * newer one every {@code checkSeconds} (0: never). One per folder and interval: two services in
   * one JVM (a test's) each keep the interval they were configured with.
   */
  static UserLookup of(
      String dataDir, Broadcast<SerializableConfiguration> hadoopConf, int checkSeconds) {
    return BY_FEED.computeIfAbsent(
        checkSeconds + "s " + dataDir,
        key ->
            new UserLookup(
                new VersionedFeed(hadoopConf.value().value(), dataDir, UserTable.FEED, 1),
                checkSeconds));
  }

  /** What the table being served holds for {@code user} ({@link UserTable#ENTRY}), or null. */
  Row get(int user) {
    return table().get(user);
  }

  /** The table being served; starts a look for a newer one when the last look is old enough. */
  UserTable table() {
    UserTable table = current;
    if (table == null) {
      synchronized (this) {
        if (current == null) {
          try {
            current = UserTable.read(feed.fileSystem(), feed.require("RecommendationService"));
          } catch (IOException e) {
            throw new IllegalStateException("cannot read the user table: " + e, e);
          }
          nextCheck = System.nanoTime() + checkNanos;
        }
        return current;
      }
    }
    if (checkNanos > 0
        && System.nanoTime() - nextCheck >= 0
        && checking.compareAndSet(false, true)) {
      LOADER.execute(this::serveNewest);
    }
    return table;
  }

  private void serveNewest() {
    try {
      String newest = feed.require("RecommendationService");
      UserTable previous = current;
      if (!newest.equals(previous.folder)) {
        UserTable next = UserTable.read(feed.fileSystem(), newest);
        current = next;
        System.out.println(
            "recommender: this JVM serves model "
                + next.model
                + " ("
                + next.size()
                + " users; was "
                + previous.model
                + ")");
      }
    } catch (Exception e) { // keep serving the table we have; look again after the interval
      System.err.println(
          "recommender: this JVM still serves model " + current.model + "; cannot load: " + e);
    } finally {
      nextCheck = System.nanoTime() + checkNanos;
      checking.set(false);
    }
  }

  /**
   * The lookup as a UDF of the user id, for the query: it runs in the tasks and reads the JVM's
   * table, so the plan stays the same while the table changes under it. Declared nondeterministic:
   * Spark must call it once per row, never fold or repeat it.
   */
  static final class Udf implements UDF1<Integer, Row> {
    private static final long serialVersionUID = 1L;

    private final String dataDir;
    private final Broadcast<SerializableConfiguration> hadoopConf;
    private final int checkSeconds;
    private transient UserLookup lookup;

    Udf(String dataDir, Broadcast<SerializableConfiguration> hadoopConf, int checkSeconds) {
      this.dataDir = dataDir;
      this.hadoopConf = hadoopConf;
      this.checkSeconds = checkSeconds;
    }

    @Override
    public Row call(Integer user) {
      return user == null ? null : lookup().get(user);
    }

    /** Reads the table now, if this JVM has none yet: at a task's start, not at its first row. */
    void warm() {
      lookup().table();
    }

    private UserLookup lookup() {
      if (lookup == null) {
        lookup = of(dataDir, hadoopConf, checkSeconds);
      }
      return lookup;
    }
  }
}
