package io.sparkplug.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Outcome of one run. {@link #toJson()} is the machine-readable line scripts consume; {@link
 * #summary()} is for people. {@code rate} is null in closed-loop mode, where there is no target;
 * {@code maxMsBySecond} (the slowest success of each second of sending) is null unless asked for.
 */
public record LoadResult(
    String mode,
    Double rate,
    int connections,
    double durationS,
    long sent,
    long ok,
    long errors,
    long non2xx,
    double throughputRps,
    double p50Ms,
    double p90Ms,
    double p99Ms,
    double p999Ms,
    double maxMs,
    int peakConnections,
    Map<String, Long> errorKinds,
    double[] maxMsBySecond) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One JSON object on one line, with the documented fields in a fixed order. */
  public String toJson() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("mode", mode);
    fields.put("rate", rate);
    fields.put("connections", connections);
    fields.put("durationS", durationS);
    fields.put("sent", sent);
    fields.put("ok", ok);
    fields.put("errors", errors);
    fields.put("non2xx", non2xx);
    fields.put("throughputRps", Math.round(throughputRps * 10) / 10.0);
    fields.put("p50Ms", p50Ms);
    fields.put("p90Ms", p90Ms);
    fields.put("p99Ms", p99Ms);
    fields.put("p999Ms", p999Ms);
    fields.put("maxMs", maxMs);
    if (maxMsBySecond != null) {
      fields.put("maxMsBySecond", maxMsBySecond);
    }
    try {
      return JSON.writeValueAsString(fields);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A few lines for a terminal, including what the JSON leaves out (peak connections, errors). */
  public String summary() {
    StringBuilder text = new StringBuilder();
    String target =
        rate == null ? "closed loop" : String.format(Locale.ROOT, "open loop @ %.1f/s", rate);
    text.append(
        String.format(
            Locale.ROOT,
            "%s, %d connections (peak %d), %.1f s measured%n",
            target,
            connections,
            peakConnections,
            durationS));
    text.append(
        String.format(
            Locale.ROOT,
            "sent %d, ok %d, errors %d, non-2xx %d, throughput %.1f req/s%n",
            sent,
            ok,
            errors,
            non2xx,
            throughputRps));
    text.append(
        String.format(
            Locale.ROOT,
            "latency ms (from intended send time): p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f",
            p50Ms,
            p90Ms,
            p99Ms,
            p999Ms,
            maxMs));
    errorKinds.forEach(
        (reason, count) ->
            text.append(String.format(Locale.ROOT, "%n  error: %s x%d", reason, count)));
    return text.toString();
  }
}
