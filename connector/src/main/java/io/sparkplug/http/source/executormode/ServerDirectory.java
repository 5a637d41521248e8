package io.sparkplug.http.source.executormode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkplug.http.SparkPlugHttp;
import io.sparkplug.http.cluster.ControlServer;
import io.sparkplug.http.cluster.JvmAddress;
import io.sparkplug.http.cluster.JvmAddresses;
import io.sparkplug.http.cluster.Secret;
import io.sparkplug.http.config.Mode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's directory of a source's executor servers: who serves where, whether healthy, how
 * many requests each has logged. Executors keep it current with status calls; a server silent for
 * {@value #LOST_AFTER_MS} ms, or whose executor Spark has removed, is marked lost. Every change of
 * state is one INFO line, and the whole directory is served as JSON at {@code GET /-/servers} on
 * the driver's internal endpoint.
 */
final class ServerDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(ServerDirectory.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final long LOST_AFTER_MS = 5_000;

  /** A server's state as the directory sees it. */
  enum State {
    SERVING,
    UNHEALTHY,
    LOST,
    STOPPED
  }

  static final class Entry {
    final String instance;
    final String executorId;
    final String host;
    final int port;
    final JvmAddress address;
    volatile long latest;
    volatile long pending;
    volatile long accepted;
    volatile long lastSeenNanos;
    volatile State state;

    Entry(String instance, String executorId, String host, int port, JvmAddress address) {
      this.instance = instance;
      this.executorId = executorId;
      this.host = host;
      this.port = port;
      this.address = address;
    }

    boolean live() {
      return state == State.SERVING || state == State.UNHEALTHY;
    }
  }

  private final String key;
  private final Secret secret;
  private final String description;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private volatile boolean running = true;

  ServerDirectory(String key, Secret secret, String description) {
    this.key = key;
    this.secret = secret;
    this.description = description;
  }

  /** An executor's status call. 410 tells a server whose source stopped to stop too. */
  ControlServer.Response status(byte[] body) throws Exception {
    JsonNode status = JSON.readTree(body);
    if (!running || !key.equals(status.path("key").asText())) {
      return ControlServer.Response.text(410, "Gone: this source is not running");
    }
    String instance = status.path("instance").asText();
    Entry entry =
        entries.computeIfAbsent(
            instance,
            i -> {
              String host = status.path("host").asText();
              Entry created =
                  new Entry(
                      i,
                      status.path("executorId").asText(),
                      host,
                      status.path("port").asInt(),
                      new JvmAddress(host, status.path("controlPort").asInt(), secret));
              JvmAddresses.learn(i, created.address);
              return created;
            });
    State previous = entry.state;
    entry.latest = Math.max(entry.latest, status.path("latest").asLong());
    entry.pending = status.path("pending").asLong();
    entry.accepted = status.path("accepted").asLong();
    entry.lastSeenNanos = System.nanoTime();
    entry.state = status.path("healthy").asBoolean() ? State.SERVING : State.UNHEALTHY;
    if (previous != entry.state) {
      LOG.info(
          "sparkplug-http executor server {} on executor {} at {}:{}: {}",
          entry.instance,
          entry.executorId,
          entry.host,
          entry.port,
          previous == null ? "joined, " + entry.state : previous + " -> " + entry.state);
    }
    return ControlServer.Response.text(200, "ok");
  }

  /**
   * Marks as lost the servers silent for too long and those whose executor Spark has removed; their
   * clients' connections died with them.
   */
  void expire() {
    long now = System.nanoTime();
    for (Entry entry : entries.values()) {
      if (!entry.live()) {
        continue;
      }
      long silentMs = TimeUnit.NANOSECONDS.toMillis(now - entry.lastSeenNanos);
      boolean removed = RemovedExecutors.removed(entry.executorId);
      if (removed || silentMs > LOST_AFTER_MS) {
        entry.state = State.LOST;
        LOG.warn(
            "sparkplug-http executor server {} on executor {} at {}:{}: lost ({})",
            entry.instance,
            entry.executorId,
            entry.host,
            entry.port,
            removed
                ? "Spark removed its executor; silent for " + silentMs + " ms"
                : "silent for " + silentMs + " ms");
      }
    }
  }

  Entry get(String instance) {
    return entries.get(instance);
  }

  List<Entry> live() {
    List<Entry> live = new ArrayList<>();
    for (Entry entry : entries.values()) {
      if (entry.live()) {
        live.add(entry);
      }
    }
    return live;
  }

  /** Each server's logged request count, for the next offset. Lost servers keep their last. */
  Map<String, Long> positions() {
    Map<String, Long> positions = new HashMap<>();
    for (Entry entry : entries.values()) {
      positions.put(entry.instance, entry.latest);
    }
    return positions;
  }

  /** From now on every status call gets 410; returns the servers still to be told. */
  List<Entry> stop() {
    running = false;
    List<Entry> live = live();
    for (Entry entry : live) {
      entry.state = State.STOPPED;
    }
    return live;
  }

  /**
   * The directory as JSON, with the query's real-time warm-up batches still to run ({@code
   * warmUpBatchesLeft}): a deployment tool waits for 0 before it calls the service up.
   */
  ControlServer.Response json(int warmUpBatchesLeft) {
    ObjectNode root = JSON.createObjectNode();
    root.put("source", description);
    root.put("mode", Mode.EXECUTOR.optionValue());
    root.put("running", running);
    root.put(SparkPlugHttp.WARM_UP_BATCHES_LEFT, warmUpBatchesLeft);
    ArrayNode servers = root.putArray("servers");
    long now = System.nanoTime();
    for (Entry entry : entries.values()) {
      ObjectNode server = servers.addObject();
      server.put("executorId", entry.executorId);
      server.put("host", entry.host);
      server.put("port", entry.port);
      server.put("instance", entry.instance);
      server.put("state", entry.state.name().toLowerCase(Locale.ROOT));
      server.put("healthy", entry.state == State.SERVING);
      server.put("lastSeenMsAgo", TimeUnit.NANOSECONDS.toMillis(now - entry.lastSeenNanos));
      server.put("accepted", entry.accepted);
      server.put("pending", entry.pending);
    }
    try {
      return ControlServer.Response.json(200, JSON.writeValueAsString(root));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
