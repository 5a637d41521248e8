package io.sparkplug.http.source;

import org.apache.spark.sql.connector.read.InputPartition;

/** An empty read placed on an executor that has no server yet: running it starts one. */
record ExecutorBootstrapPartition(SourceContext context, String[] locations)
    implements InputPartition {
  @Override
  public String[] preferredLocations() {
    return locations;
  }
}
