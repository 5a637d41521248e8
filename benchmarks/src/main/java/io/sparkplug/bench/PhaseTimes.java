package io.sparkplug.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.streaming.StreamingQueryListener;

/**
 * Collects the per-phase durations Spark reports for batches that carried requests, and prints
 * their medians to stderr when the server stops: where a micro-batch spends its time.
 */
final class PhaseTimes extends StreamingQueryListener {
  private final Map<String, List<Long>> phases = new TreeMap<>();
  private long batches;
  private long rows;
  // -Dphases.each=true prints every batch's phases to stderr as it ends: a boundary's cost over
  // time (is the tenth boundary cheaper than the first?).
  private final boolean each = Boolean.getBoolean("phases.each");

  @Override
  public void onQueryStarted(QueryStartedEvent event) {}

  @Override
  public synchronized void onQueryProgress(QueryProgressEvent event) {
    if (each) {
      System.err.println(
          "batch "
              + event.progress().batchId()
              + " rows="
              + event.progress().numInputRows()
              + " "
              + new TreeMap<>(event.progress().durationMs()));
    }
    if (event.progress().numInputRows() == 0) {
      return;
    }
    batches++;
    rows += event.progress().numInputRows();
    event
        .progress()
        .durationMs()
        .forEach((phase, ms) -> phases.computeIfAbsent(phase, p -> new ArrayList<>()).add(ms));
  }

  @Override
  public void onQueryTerminated(QueryTerminatedEvent event) {}

  synchronized String summary() {
    if (batches == 0) {
      return "no batches with data";
    }
    StringBuilder sb = new StringBuilder();
    sb.append(batches).append(" batches, ").append(rows / batches);
    sb.append(" rows/batch; median ms:");
    phases.forEach(
        (phase, values) -> {
          List<Long> sorted = new ArrayList<>(values);
          sorted.sort(null);
          sb.append(' ').append(phase).append('=').append(sorted.get(sorted.size() / 2));
        });
    return sb.toString();
  }
}
