package io.sparkplug.http.source;

import io.sparkplug.http.server.RequestRecord;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.unsafe.types.UTF8String;

/** Reads the request rows of one partition, in arrival order. */
final class HttpPartitionReader implements PartitionReader<InternalRow> {
  private final RequestRecord[] records;
  private final ReadCounts counts = new ReadCounts();
  private int next = -1;

  HttpPartitionReader(RequestRecord[] records) {
    this.records = records;
  }

  @Override
  public boolean next() {
    if (++next < records.length) {
      counts.count(records[next]);
      return true;
    }
    return false;
  }

  @Override
  public InternalRow get() {
    return toRow(records[next]);
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    return counts.values();
  }

  static InternalRow toRow(RequestRecord record) {
    return new GenericInternalRow(
        new Object[] {
          UTF8String.fromString(record.id()),
          UTF8String.fromString(record.method()),
          UTF8String.fromString(record.path()),
          UTF8String.fromString(record.query()),
          new ArrayBasedMapData(utf8(record.headerNames()), utf8(record.headerValues())),
          record.body(),
          record.receivedAtMicros()
        });
  }

  private static GenericArrayData utf8(String[] values) {
    Object[] converted = new Object[values.length];
    for (int i = 0; i < values.length; i++) {
      converted[i] = UTF8String.fromString(values[i]);
    }
    return new GenericArrayData(converted);
  }

  @Override
  public void close() {}
}
