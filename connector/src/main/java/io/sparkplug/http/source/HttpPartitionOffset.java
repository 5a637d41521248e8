package io.sparkplug.http.source;

import org.apache.spark.sql.connector.read.streaming.PartitionOffset;

/** How far one real-time reader got: the offset just after the last request it took. */
record HttpPartitionOffset(long offset) implements PartitionOffset {}
