package io.sparkplug.http.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** What one service did with its requests; read by source metrics and by the stop summary. */
public final class ServiceCounters {
  final LongAdder accepted = new LongAdder();
  final LongAdder replied = new LongAdder();
  final LongAdder timedOut = new LongAdder();
  final LongAdder rejectedFull = new LongAdder();
  final LongAdder rejectedStopping = new LongAdder();
  final LongAdder failed = new LongAdder();
  final LongAdder clientGone = new LongAdder();
  final LongAdder repliesDropped = new LongAdder();

  /** Admitted requests by how they ended, with names usable as metric labels. */
  Map<String, Long> outcomes() {
    Map<String, Long> values = new LinkedHashMap<>();
    values.put("replied", replied.sum());
    values.put("timed_out", timedOut.sum());
    values.put("rejected_full", rejectedFull.sum());
    values.put("rejected_stopping", rejectedStopping.sum());
    values.put("failed", failed.sum());
    values.put("client_gone", clientGone.sum());
    return values;
  }

  /** A snapshot with stable, chartable names. */
  /** Requests admitted so far. */
  public long acceptedCount() {
    return accepted.sum();
  }

  public Map<String, Long> snapshot() {
    Map<String, Long> values = new LinkedHashMap<>();
    values.put("requestsAccepted", accepted.sum());
    values.put("requestsReplied", replied.sum());
    values.put("requestsTimedOut", timedOut.sum());
    values.put("requestsRejectedFull", rejectedFull.sum());
    values.put("requestsRejectedStopping", rejectedStopping.sum());
    values.put("requestsFailed", failed.sum());
    values.put("requestsClientGone", clientGone.sum());
    values.put("repliesDropped", repliesDropped.sum());
    return values;
  }
}
