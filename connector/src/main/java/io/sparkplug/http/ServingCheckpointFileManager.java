package io.sparkplug.http;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.spark.sql.execution.streaming.checkpointing.FileSystemBasedCheckpointFileManager;

/**
 * The checkpoint file manager of {@link SparkPlugHttp#servingConf()}: Spark's file-system manager
 * (write a temporary file, then rename it over the log entry), with one change for {@code file:}
 * checkpoints.
 *
 * <p>Without Hadoop's native library, which Spark's distributions do not ship, Hadoop creates every
 * local file and then sets its permissions by running {@code chmod} in a new process. A serving
 * query writes two log entries per micro-batch (offsets, then commit) and two at every real-time
 * boundary, and each fork cost 3-5 ms on a 2-core machine, inside the batch. Here a local temporary
 * file is created by the JVM itself, which gives it the permissions Hadoop would set (0666 less the
 * process umask, 0644 by default). Everything else, and every other file system (HDFS, object
 * stores through their connectors), is Spark's manager unchanged.
 */
public class ServingCheckpointFileManager extends FileSystemBasedCheckpointFileManager {
  private static final int BUFFER_BYTES = 8192;

  /** The local file system the checkpoint is on, or null for any other file system. */
  private final RawLocalFileSystem local;

  /** Spark creates the manager reflectively with this constructor. */
  public ServingCheckpointFileManager(Path path, Configuration hadoopConf) {
    super(path, hadoopConf);
    this.local = localFileSystem(fs());
  }

  private static RawLocalFileSystem localFileSystem(FileSystem fs) {
    if (fs instanceof RawLocalFileSystem) {
      return (RawLocalFileSystem) fs;
    }
    if (fs instanceof LocalFileSystem
        && ((LocalFileSystem) fs).getRawFileSystem() instanceof RawLocalFileSystem) {
      return (RawLocalFileSystem) ((LocalFileSystem) fs).getRawFileSystem();
    }
    return null;
  }

  @Override
  public FSDataOutputStream createTempFile(Path path) {
    if (local == null) {
      return super.createTempFile(path);
    }
    // As Hadoop's create(path, overwrite = true): parent directories made, an existing file
    // truncated. A FileOutputStream, as Hadoop's own, so that an interrupt does not close it.
    File file = local.pathToFile(path);
    try {
      File parent = file.getParentFile();
      if (parent != null && !parent.isDirectory() && !parent.mkdirs() && !parent.isDirectory()) {
        throw new IOException("cannot create the checkpoint directory " + parent);
      }
      return new FSDataOutputStream(
          new BufferedOutputStream(new FileOutputStream(file), BUFFER_BYTES), null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the checkpoint file " + path, e);
    }
  }
}
