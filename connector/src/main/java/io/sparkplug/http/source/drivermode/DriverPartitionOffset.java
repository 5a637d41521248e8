package io.sparkplug.http.source.drivermode;

import org.apache.spark.sql.connector.read.streaming.PartitionOffset;

/** How far one real-time reader got: the offset just after the last request it took. */
record DriverPartitionOffset(long offset) implements PartitionOffset {}
