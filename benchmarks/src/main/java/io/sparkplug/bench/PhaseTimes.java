package io.sparkplug.bench;

import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.streaming.StreamingQueryListener;

/**
 * Averages the per-phase durations Spark reports for batches that carried requests, and prints them
 * to stderr when the server stops: where a micro-batch spends its time.
 */
final class PhaseTimes extends StreamingQueryListener {
  private final Map<String, long[]> totals = new TreeMap<>();
  private long batches;
  private long rows;

  @Override
  public void onQueryStarted(QueryStartedEvent event) {}

  @Override
  public synchronized void onQueryProgress(QueryProgressEvent event) {
    if (event.progress().numInputRows() == 0) {
      return;
    }
    batches++;
    rows += event.progress().numInputRows();
    event
        .progress()
        .durationMs()
        .forEach((phase, ms) -> totals.computeIfAbsent(phase, p -> new long[1])[0] += ms);
  }

  @Override
  public void onQueryTerminated(QueryTerminatedEvent event) {}

  synchronized String summary() {
    if (batches == 0) {
      return "no batches with data";
    }
    StringBuilder sb = new StringBuilder();
    sb.append(batches).append(" batches, ").append(rows / batches).append(" rows/batch; mean ms:");
    totals.forEach(
        (phase, total) -> sb.append(' ').append(phase).append('=').append(total[0] / batches));
    return sb.toString();
  }
}
