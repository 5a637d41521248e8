package io.sparkplug.http.source;

import io.sparkplug.http.cluster.Route;
import org.apache.spark.sql.connector.read.InputPartition;

/**
 * One long-running real-time reader of a driver-mode service's requests, from {@code startOffset}
 * on. {@code driver} is the driver's internal endpoint: a reader in another JVM takes requests
 * through it, and replies computed there go back through it.
 */
record HttpRealTimePartition(String instance, long startOffset, Route driver)
    implements InputPartition {}
