package io.sparkplug.http.source.drivermode;

import org.apache.spark.sql.connector.read.streaming.Offset;

/**
 * A position in a service's request log: the number of requests before it, counted from a base that
 * a restarted query lifts above every offset the previous run logged.
 */
final class DriverOffset extends Offset {
  private static final String PREFIX = "{\"offset\":";

  private final long offset;

  DriverOffset(long offset) {
    this.offset = offset;
  }

  long value() {
    return offset;
  }

  @Override
  public String json() {
    return PREFIX + offset + "}";
  }

  static DriverOffset fromJson(String json) {
    String trimmed = json.trim();
    if (!trimmed.startsWith(PREFIX) || !trimmed.endsWith("}")) {
      throw new IllegalArgumentException(
          "sparkplug-http: checkpoint offset " + json + " was not written by this source");
    }
    return new DriverOffset(
        Long.parseLong(trimmed.substring(PREFIX.length(), trimmed.length() - 1).trim()));
  }

  static long of(Offset offset) {
    return offset instanceof DriverOffset http ? http.offset : fromJson(offset.json()).offset;
  }
}
