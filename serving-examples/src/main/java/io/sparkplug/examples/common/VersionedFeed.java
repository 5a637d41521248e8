package io.sparkplug.examples.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * A feed of immutable snapshots: {@code <base>/<name>/v<version>/<UTC time stamp>/}. Producers
 * write each update into a new folder and mark it {@code _PUBLISHED} only once it is complete;
 * consumers read the newest marked folder, so they never see half a write, and every earlier
 * snapshot stays for audits and rollbacks. The version changes only when the schema does.
 *
 * <p>Works on any Hadoop file system: a local folder, {@code hdfs://}, or an object store.
 */
public final class VersionedFeed {
  /** Lexicographic order is time order, so the newest snapshot is the greatest name. */
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  private static final String MARKER = "_PUBLISHED";

  /** Writes one snapshot into a folder that does not exist yet. */
  @FunctionalInterface
  public interface Writer {
    void write(String folder) throws IOException;
  }

  private final Path root;
  private final FileSystem fs;

  public VersionedFeed(SparkSession spark, String base, String name, int version) {
    this(spark.sparkContext().hadoopConfiguration(), base, name, version);
  }

  /** As above with a Hadoop configuration of its own, for code that runs in an executor. */
  public VersionedFeed(Configuration hadoopConf, String base, String name, int version) {
    this.root = new Path(new Path(base, name), "v" + version);
    try {
      this.fs = root.getFileSystem(hadoopConf);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file system the feed lives on. */
  public FileSystem fileSystem() {
    return fs;
  }

  /** Writes a new snapshot and publishes it; returns its folder. */
  public String publish(Writer writer) {
    try {
      Path folder = new Path(root, STAMP.format(Instant.now()));
      while (fs.exists(folder)) { // two updates within a millisecond: take the next one
        folder = new Path(root, STAMP.format(Instant.now().plusMillis(1)));
      }
      writer.write(folder.toString());
      fs.create(new Path(folder, MARKER), false).close();
      return fs.makeQualified(folder).toString();
    } catch (IOException e) {
      throw new UncheckedIOException("could not publish to " + root, e);
    }
  }

  /** The newest published snapshot, if any. */
  public Optional<String> latest() {
    List<String> all = history();
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** The newest published snapshot, or an error that says which producer to run first. */
  public String require(String producer) {
    return latest()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "no published snapshot under " + root + ": run " + producer + " first"));
  }

  /** Every published snapshot, oldest first. */
  public List<String> history() {
    List<String> folders = new ArrayList<>();
    try {
      if (!fs.exists(root)) {
        return folders;
      }
      for (FileStatus status : fs.listStatus(root)) {
        if (status.isDirectory() && fs.exists(new Path(status.getPath(), MARKER))) {
          folders.add(status.getPath().toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not list " + root, e);
    }
    folders.sort(null);
    return folders;
  }

  /** The time stamp that names a snapshot folder, used as its version in replies and logs. */
  public static String snapshotOf(String folder) {
    return new Path(folder).getName();
  }
}
