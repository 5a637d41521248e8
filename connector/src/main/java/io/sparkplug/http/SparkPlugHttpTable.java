package io.sparkplug.http;

import io.sparkplug.http.config.ServiceOptions;
import io.sparkplug.http.sink.HttpWriteBuilder;
import io.sparkplug.http.source.HttpScan;
import java.util.EnumSet;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * An HTTP endpoint seen as a table: reading it streams requests, writing to it sends replies. The
 * same class serves both sides, so options are validated where each side starts: source options
 * when the scan is built, sink options and reply columns when the write is built.
 */
final class SparkPlugHttpTable implements SupportsRead, SupportsWrite {
  private static final Set<TableCapability> CAPABILITIES =
      EnumSet.of(TableCapability.MICRO_BATCH_READ, TableCapability.STREAMING_WRITE);

  private final StructType schema;

  SparkPlugHttpTable(StructType schema) {
    this.schema = schema;
  }

  @Override
  public String name() {
    return SparkPlugHttpProvider.SHORT_NAME;
  }

  @Override
  public StructType schema() {
    return schema;
  }

  @Override
  public Set<TableCapability> capabilities() {
    return CAPABILITIES;
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
    return new HttpScan(ServiceOptions.parse(options));
  }

  @Override
  public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
    return new HttpWriteBuilder(info);
  }
}
