package io.sparkplug.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Counters and the latency histogram of one run. Only requests whose intended send time falls at or
 * after the end of the warm-up are counted. Confined to the generator's event loop.
 */
final class RunStats {
  private static final int MAX_ERROR_KINDS = 16;

  /** Microseconds, 3 significant digits, auto-resizing so no latency is ever clipped. */
  private final Histogram latencyMicros = new Histogram(3);

  private final Map<String, Long> errorKinds = new LinkedHashMap<>();
  private final long measureFromNanos;
  private long sent;
  private long ok;
  private long errors;
  private long non2xx;
  private long lastCompletionNanos;

  /** The slowest success per second of intended send time since the measure start, in micros. */
  private long[] maxMicrosBySecond = new long[64];

  private int seconds;

  RunStats(long measureFromNanos) {
    this.measureFromNanos = measureFromNanos;
    this.lastCompletionNanos = measureFromNanos;
  }

  private boolean measured(long intendedNanos) {
    return intendedNanos - measureFromNanos >= 0;
  }

  void onSent(long intendedNanos) {
    if (measured(intendedNanos)) {
      sent++;
    }
  }

  void onResponse(long intendedNanos, int status, long nowNanos) {
    if (!measured(intendedNanos)) {
      return;
    }
    lastCompletionNanos = nowNanos;
    if (status >= 200 && status < 300) {
      ok++;
      // Only successes feed the histogram: a fast 404 or 503 would flatter the percentiles.
      long micros = Math.max(0, (nowNanos - intendedNanos) / 1_000);
      latencyMicros.recordValue(micros);
      int second = (int) ((intendedNanos - measureFromNanos) / 1_000_000_000L);
      if (second >= maxMicrosBySecond.length) {
        maxMicrosBySecond =
            Arrays.copyOf(maxMicrosBySecond, Math.max(second + 1, maxMicrosBySecond.length * 2));
      }
      maxMicrosBySecond[second] = Math.max(maxMicrosBySecond[second], micros);
      seconds = Math.max(seconds, second + 1);
    } else {
      non2xx++;
    }
  }

  void onError(long intendedNanos, String reason, long nowNanos) {
    if (!measured(intendedNanos)) {
      return;
    }
    lastCompletionNanos = nowNanos;
    errors++;
    String kind =
        errorKinds.size() < MAX_ERROR_KINDS || errorKinds.containsKey(reason) ? reason : "other";
    errorKinds.merge(kind, 1L, Long::sum);
  }

  /**
   * Summarises the run. Throughput divides by the measured window, stretched to the last completion
   * when replies trail past the end of sending.
   */
  LoadResult result(LoadOptions options, long measureEndNanos, int peakConnections) {
    long windowNanos = Math.max(measureEndNanos, lastCompletionNanos) - measureFromNanos;
    double windowSeconds = windowNanos / (double) TimeUnit.SECONDS.toNanos(1);
    boolean open = options.mode() == LoadOptions.Mode.OPEN;
    return new LoadResult(
        open ? "open" : "closed",
        open ? options.rate() : null,
        options.connections(),
        options.durationSeconds(),
        sent,
        ok,
        errors,
        non2xx,
        windowSeconds > 0 ? ok / windowSeconds : 0,
        millis(latencyMicros.getValueAtPercentile(50)),
        millis(latencyMicros.getValueAtPercentile(90)),
        millis(latencyMicros.getValueAtPercentile(99)),
        millis(latencyMicros.getValueAtPercentile(99.9)),
        millis(latencyMicros.getMaxValue()),
        peakConnections,
        Map.copyOf(errorKinds),
        options.perSecond() ? bySecond() : null);
  }

  private double[] bySecond() {
    double[] millis = new double[seconds];
    for (int i = 0; i < seconds; i++) {
      millis[i] = millis(maxMicrosBySecond[i]);
    }
    return millis;
  }

  private static double millis(long micros) {
    return micros / 1_000.0;
  }
}
