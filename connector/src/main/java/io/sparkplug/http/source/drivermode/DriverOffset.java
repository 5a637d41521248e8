package io.sparkplug.http.source.drivermode;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.connector.read.streaming.Offset;

/**
 * A position in a service's request log: the number of requests before it, counted from a base that
 * a restarted query lifts above every offset the previous run logged. Its JSON is {@code
 * {"offset":N}}.
 */
final class DriverOffset extends Offset {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final long offset;

  DriverOffset(long offset) {
    this.offset = offset;
  }

  @Override
  public String json() {
    try {
      return JSON.writeValueAsString(JSON.createObjectNode().put("offset", offset));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static DriverOffset fromJson(String json) {
    JsonNode offset;
    try {
      JsonNode root = JSON.readTree(json);
      offset = root != null && root.isObject() && root.size() == 1 ? root.get("offset") : null;
    } catch (JsonProcessingException e) {
      offset = null;
    }
    if (offset == null || !offset.isIntegralNumber()) {
      throw new IllegalArgumentException(
          "sparkplug-http: checkpoint offset " + json + " was not written by this source");
    }
    return new DriverOffset(offset.asLong());
  }

  static long of(Offset offset) {
    return offset instanceof DriverOffset driver ? driver.offset : fromJson(offset.json()).offset;
  }
}
