package io.sparkplug.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.execution.streaming.checkpointing.CheckpointFileManager;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The serving checkpoint manager on a real local disk, through the same entry point Spark uses
 * ({@code CheckpointFileManager.create} with the class named in the configuration), with both of
 * Hadoop's local file systems: the raw one of the serving settings and the checksummed default.
 */
class ServingCheckpointFileManagerTest {
  private static final String MANAGER_KEY = "spark.sql.streaming.checkpointFileManagerClass";

  @TempDir java.nio.file.Path dir;

  /** The raw local file system of the serving settings and Hadoop's checksummed default. */
  static Stream<String> localFileSystems() {
    return Stream.of(
        "org.apache.hadoop.fs.RawLocalFileSystem", "org.apache.hadoop.fs.LocalFileSystem");
  }

  private Path entry(String name) {
    return new Path(new Path(dir.toUri()), name);
  }

  private static Configuration conf(String fileSystem) {
    Configuration conf = new Configuration();
    conf.set(MANAGER_KEY, ServingCheckpointFileManager.class.getName());
    conf.set("fs.file.impl", fileSystem);
    conf.setBoolean("fs.file.impl.disable.cache", true);
    return conf;
  }

  private CheckpointFileManager manager(String fileSystem) {
    CheckpointFileManager manager =
        CheckpointFileManager.create(new Path(dir.toUri()), conf(fileSystem));
    assertEquals(ServingCheckpointFileManager.class, manager.getClass());
    return manager;
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
  }

  /** One log entry written through the manager's atomic stream and closed. */
  private static void writeEntry(
      CheckpointFileManager manager, Path entry, String text, boolean overwrite)
      throws IOException {
    OutputStream out = manager.createAtomic(entry, overwrite);
    write(out, text);
    out.close();
  }

  private static String read(CheckpointFileManager manager, Path path) throws IOException {
    try (InputStream in = manager.open(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private List<String> names(java.nio.file.Path folder) throws IOException {
    try (Stream<java.nio.file.Path> files = Files.list(folder)) {
      return files.map(f -> f.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  @ParameterizedTest
  @MethodSource("localFileSystems")
  void anEntryAppearsWholeAtCloseWithHadoopsPermissions(String fileSystem) throws Exception {
    CheckpointFileManager manager = manager(fileSystem);
    Path entry = entry("offsets/0");
    OutputStream out = manager.createAtomic(entry, false);
    write(out, "v1\n{\"batchWatermarkMs\":0}");
    assertTrue(!manager.exists(entry), "the entry must not be visible before close");
    out.close();

    assertEquals("v1\n{\"batchWatermarkMs\":0}", read(manager, entry));
    assertEquals(List.of("0"), names(dir.resolve("offsets")), "no temporary file is left");
    assertEquals(1, manager.list(entry("offsets")).length);

    // The permissions Hadoop's own create gives a new file under this process's umask.
    Path hadoops = entry("hadoop-created");
    FileSystem fs = hadoops.getFileSystem(conf(fileSystem));
    fs.create(hadoops, true).close();
    Set<PosixFilePermission> expected =
        Files.getPosixFilePermissions(dir.resolve("hadoop-created"));
    assertEquals(expected, Files.getPosixFilePermissions(dir.resolve("offsets/0")));
  }

  @ParameterizedTest
  @MethodSource("localFileSystems")
  void anExistingEntryIsKeptUnlessOverwriteIsAsked(String fileSystem) throws Exception {
    CheckpointFileManager manager = manager(fileSystem);
    Path entry = entry("commits/3");
    writeEntry(manager, entry, "first", false);
    assertThrows(
        FileAlreadyExistsException.class, () -> writeEntry(manager, entry, "second", false));
    assertEquals("first", read(manager, entry));

    writeEntry(manager, entry, "third", true);
    assertEquals("third", read(manager, entry));
  }

  @ParameterizedTest
  @MethodSource("localFileSystems")
  void aCancelledWriteLeavesNothing(String fileSystem) throws Exception {
    CheckpointFileManager manager = manager(fileSystem);
    Path entry = entry("offsets/7");
    CheckpointFileManager.CancellableFSDataOutputStream out = manager.createAtomic(entry, false);
    write(out, "half a log entry");
    out.cancel();
    assertTrue(!manager.exists(entry));
    assertArrayEquals(new String[0], names(dir.resolve("offsets")).toArray(new String[0]));
  }
}
