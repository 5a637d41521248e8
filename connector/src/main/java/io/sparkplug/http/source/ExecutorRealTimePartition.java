package io.sparkplug.http.source;

import java.util.Map;
import org.apache.spark.sql.connector.read.InputPartition;

/**
 * A long-running real-time reader placed on one executor: it serves that executor's requests from
 * the positions in {@code start}.
 */
record ExecutorRealTimePartition(SourceContext context, Map<String, Long> start, String[] locations)
    implements InputPartition {
  @Override
  public String[] preferredLocations() {
    return locations;
  }
}
