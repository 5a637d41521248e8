package io.sparkplug.http.source.executormode;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.connector.read.streaming.Offset;

/**
 * The position of an executor-mode source: for each executor server (by instance) the number of its
 * requests logged, plus an epoch the driver raises to run a batch that starts servers on new
 * executors. Instances are random per server, so a restarted query never reuses an old position.
 */
final class ExecutorOffset extends Offset {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final long epoch;
  private final TreeMap<String, Long> servers;

  ExecutorOffset(long epoch, Map<String, Long> servers) {
    this.epoch = epoch;
    this.servers = new TreeMap<>(servers);
  }

  long epoch() {
    return epoch;
  }

  Map<String, Long> servers() {
    return servers;
  }

  long of(String instance) {
    return servers.getOrDefault(instance, 0L);
  }

  /** {@code {"epoch":E,"servers":{"<instance>":N,...}}}, servers in name order. */
  @Override
  public String json() {
    ObjectNode root = JSON.createObjectNode();
    root.put("epoch", epoch);
    ObjectNode positions = root.putObject("servers");
    servers.forEach(positions::put);
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static ExecutorOffset fromJson(String text) {
    try {
      JsonNode root = JSON.readTree(text);
      JsonNode servers = root.get("servers");
      if (root.get("epoch") == null || servers == null || !servers.isObject()) {
        throw new IllegalArgumentException("no epoch or servers");
      }
      TreeMap<String, Long> positions = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = servers.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> server = it.next();
        positions.put(server.getKey(), server.getValue().asLong());
      }
      return new ExecutorOffset(root.get("epoch").asLong(), positions);
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "sparkplug-http: checkpoint offset "
              + text
              + " was not written by an executor-mode source (was option 'mode' changed?)",
          e);
    }
  }

  static ExecutorOffset of(Offset offset) {
    return offset instanceof ExecutorOffset executor ? executor : fromJson(offset.json());
  }
}
