package io.sparkplug.http.source.executormode;

import org.apache.spark.sql.connector.read.streaming.PartitionOffset;

/** How far a real-time reader read its executor's server; a null instance read nothing. */
record ExecutorPartitionOffset(String instance, long offset) implements PartitionOffset {}
