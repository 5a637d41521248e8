package io.sparkplug.http.server;

import java.util.concurrent.atomic.LongAdder;

/**
 * Reply latencies (admission to reply) in fixed buckets, cheap enough to record on every reply from
 * any thread. Percentiles are estimated as the upper bound of the bucket they fall in.
 */
public final class LatencyHistogram {
  /** Bucket upper bounds in seconds, as Prometheus {@code le} labels expect. */
  static final double[] BOUNDS_SECONDS = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    30, 60
  };

  private static final long[] BOUNDS_NANOS = new long[BOUNDS_SECONDS.length];

  static {
    for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
      BOUNDS_NANOS[i] = Math.round(BOUNDS_SECONDS[i] * 1e9);
    }
  }

  /** One counter per bound, plus the overflow bucket. */
  private final LongAdder[] buckets = new LongAdder[BOUNDS_SECONDS.length + 1];

  private final LongAdder sumNanos = new LongAdder();

  LatencyHistogram() {
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = new LongAdder();
    }
  }

  void record(long nanos) {
    int i = 0;
    while (i < BOUNDS_NANOS.length && nanos > BOUNDS_NANOS[i]) {
      i++;
    }
    buckets[i].increment();
    sumNanos.add(nanos);
  }

  /** Count per bucket, not cumulative; the last entry is the overflow bucket. */
  long[] counts() {
    long[] counts = new long[buckets.length];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = buckets[i].sum();
    }
    return counts;
  }

  double sumSeconds() {
    return sumNanos.sum() / 1e9;
  }

  /**
   * The latency in milliseconds below which a fraction {@code quantile} of replies fell, as the
   * upper bound of its bucket; 0 with no replies, infinity in the overflow bucket.
   */
  public double quantileMillis(double quantile) {
    long[] counts = counts();
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(quantile * total);
    long seen = 0;
    for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return BOUNDS_SECONDS[i] * 1000;
      }
    }
    return Double.POSITIVE_INFINITY;
  }
}
