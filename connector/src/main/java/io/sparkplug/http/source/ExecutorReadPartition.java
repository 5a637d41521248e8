package io.sparkplug.http.source;

import io.sparkplug.http.cluster.Route;
import org.apache.spark.sql.connector.read.InputPartition;

/**
 * One executor server's requests in {@code (from, to]} for a micro-batch, placed on that executor.
 * Should Spark run it elsewhere, the reader fetches the range from the owner's internal endpoint.
 */
record ExecutorReadPartition(
    SourceContext context, String instance, Route owner, long from, long to, String[] locations)
    implements InputPartition {
  @Override
  public String[] preferredLocations() {
    return locations;
  }
}
