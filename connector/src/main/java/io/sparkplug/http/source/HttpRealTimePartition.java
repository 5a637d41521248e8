package io.sparkplug.http.source;

import org.apache.spark.sql.connector.read.InputPartition;

/** One long-running real-time reader of a service's requests, from {@code startOffset} on. */
record HttpRealTimePartition(String instance, long startOffset) implements InputPartition {}
