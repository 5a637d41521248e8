package io.sparkplug.http.executor;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkplug.http.Http;
import io.sparkplug.http.TestSpark;
import io.sparkplug.http.config.ServiceOptions;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A read that Spark runs away from the executor whose server holds the range (its locality wait ran
 * out) fetches the range from that live owner's internal endpoint, and the owner's clients get
 * their replies. The executor-kill tests cover only the dead owner.
 *
 * <p>On a {@code local} master every task runs in the one JVM, so the miss is made by giving the
 * query a second server of its source here, as a second executor would run one: it registers with
 * the driver like any server, and the driver plans a read of its range like any other. That read
 * runs in this JVM, whose own server for the source is the first one, so {@link ExecutorReads}
 * takes the path of a task on the wrong executor: it fetches over HTTP from the owner's internal
 * endpoint, with the source's secret.
 */
@Timeout(180)
class LocalityMissReadTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FETCHED = "requests fetched from another executor";
  private static final String READ = "requests read";
  private static final int OWNED = 12;
  private static final int LOCAL = 5;

  @Test
  void aReadRunAwayFromItsLiveOwnerFetchesTheRangeAndEveryClientGetsItsReply() throws Exception {
    int port = TestSpark.freePort();
    int ownerPort = TestSpark.freePort();
    int controlPort = TestSpark.freePort();
    long fetchedBefore = TestSpark.uiMetricTotal(FETCHED);
    long readBefore = TestSpark.uiMetricTotal(READ);
    StreamingQuery query =
        TestSpark.requests(port, "mode", "executor", "controlPort", Integer.toString(controlPort))
            .select(col("id"), concat(lit("re: "), col("body").cast("string")).as("body"))
            .writeStream()
            .format("sparkplug-http")
            .option("checkpointLocation", TestSpark.checkpoint())
            .start();
    ExecutorServer owner = null;
    try {
      TestSpark.awaitReady(port, query);
      SourceContext source = runningOn(port).context();
      owner =
          ExecutorServer.start(
              new SourceContext(
                  source.key(),
                  ServiceOptions.parse(
                      Map.of("port", Integer.toString(ownerPort), "mode", "executor")),
                  source.driver(),
                  source.localMaster()));
      String ownerInstance = owner.instance();
      awaitServing(controlPort, ownerInstance);

      List<CompletableFuture<HttpResponse<String>>> owned = new ArrayList<>();
      List<CompletableFuture<HttpResponse<String>>> local = new ArrayList<>();
      for (int i = 0; i < OWNED; i++) {
        owned.add(Http.postAsync(ownerPort, "/", "owned " + i));
      }
      for (int i = 0; i < LOCAL; i++) {
        local.add(Http.postAsync(port, "/", "local " + i));
      }
      for (int i = 0; i < OWNED; i++) {
        HttpResponse<String> response = owned.get(i).get(60, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("re: owned " + i, response.body());
      }
      for (int i = 0; i < LOCAL; i++) {
        HttpResponse<String> response = local.get(i).get(60, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("re: local " + i, response.body());
      }

      // The owner's requests, and only they, came over the fetch path; the batches' plans hold
      // the sums once the batches finish (shortly after their replies leave).
      Awaitility.await("the scan's metrics of the batches that read the requests")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  TestSpark.uiMetricTotal(READ) - readBefore >= OWNED + LOCAL
                      && TestSpark.uiMetricTotal(FETCHED) - fetchedBefore >= OWNED);
      assertEquals(OWNED, TestSpark.uiMetricTotal(FETCHED) - fetchedBefore);
      assertEquals(OWNED + LOCAL, TestSpark.uiMetricTotal(READ) - readBefore);
      // The fetch committed the owner's log like a local read: nothing of it is left unread.
      assertEquals(-1, owner.log().oldestUnreadMicros());
    } finally {
      query.stop();
      if (owner != null) {
        // Normally already stopped by the driver's stop call; idempotent.
        owner.stop(false);
      }
    }
    TestSpark.awaitNotListening(ownerPort);
  }

  /** This JVM's server of the query serving {@code port}: the one its reads run beside. */
  private static ExecutorServer runningOn(int port) {
    for (ExecutorServer server : ExecutorServers.running()) {
      if (!server.isClosed() && server.context().options().port() == port) {
        return server;
      }
    }
    throw new AssertionError("no executor server of port " + port + " runs in this JVM");
  }

  /** Waits until the driver's directory lists {@code instance} as serving. */
  private static void awaitServing(int controlPort, String instance) {
    Awaitility.await("the driver's directory lists server " + instance + " as serving")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              for (JsonNode server :
                  JSON.readTree(Http.get(controlPort, "/-/servers").body()).get("servers")) {
                if (server.path("instance").asText().equals(instance)
                    && server.path("state").asText().equals("serving")) {
                  return true;
                }
              }
              return false;
            });
  }
}
