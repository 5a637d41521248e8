package io.sparkplug.http.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkplug.http.server.RequestRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestLogTest {
  private static RequestRecord record(String id) {
    return new RequestRecord(id, "GET", "/", "", new String[0], new String[0], new byte[0], 0L);
  }

  private static List<String> ids(List<RequestRecord> records) {
    return records.stream().map(RequestRecord::id).toList();
  }

  @Test
  void offsetsCountRecordsFromTheStart() {
    RequestLog log = new RequestLog();
    assertEquals(0, log.start());
    log.accept(record("a"));
    log.accept(record("b"));
    assertEquals(2, log.latest());
    assertEquals(List.of("a", "b"), ids(log.plan(0, 2)));
    assertEquals(List.of("b"), ids(log.plan(1, 2)));
  }

  @Test
  void restartedRunNumbersAboveTheLastLoggedOffset() {
    RequestLog log = new RequestLog();
    log.accept(record("early"));
    log.startAbove(41);
    assertEquals(42, log.latest());
    log.startAbove(100);
    assertEquals(42, log.latest(), "the base moved after offsets were handed out");
    assertEquals(List.of("early"), ids(log.plan(41, 42)));
  }

  @Test
  void rangesOfAPreviousRunAreEmpty() {
    RequestLog log = new RequestLog();
    log.startAbove(10);
    log.accept(record("a"));
    assertEquals(List.of(), ids(log.plan(3, 7)));
    assertEquals(List.of("a"), ids(log.plan(7, 11)));
  }

  @Test
  void commitDropsRecordsAndKeepsOffsetsStable() {
    RequestLog log = new RequestLog();
    for (int i = 0; i < 3000; i++) {
      log.accept(record("r" + i));
    }
    log.plan(0, 3000);
    log.commit(2500);
    assertEquals(List.of(), ids(log.plan(0, 2500)));
    assertEquals(List.of("r2500", "r2501"), ids(log.plan(2500, 2502)));
    log.accept(record("r3000"));
    assertEquals(List.of("r3000"), ids(log.plan(3000, 3001)));
  }

  @Test
  void unplannedRecordsAreThoseNoBatchAskedFor() {
    RequestLog log = new RequestLog();
    log.accept(record("a"));
    log.accept(record("b"));
    log.accept(record("c"));
    log.plan(0, 1);
    assertEquals(List.of("b", "c"), ids(log.unplanned()));
    assertEquals(2, log.backlog());
  }

  @Test
  void realTimeReadersTakeEachRecordOnceInOrder() throws InterruptedException {
    RequestLog log = new RequestLog();
    log.startAbove(5);
    log.accept(record("a"));
    log.accept(record("b"));
    RequestLog.Taken first = log.take(0);
    RequestLog.Taken second = log.take(0);
    assertEquals("a", first.record().id());
    assertEquals(6, first.offset());
    assertEquals("b", second.record().id());
    assertEquals(7, second.offset());
    assertEquals(null, log.take(1_000_000));
    assertEquals(List.of(), ids(log.unplanned()));
  }

  @Test
  void waitingReaderWakesWhenARecordArrives() throws Exception {
    RequestLog log = new RequestLog();
    java.util.concurrent.CompletableFuture<RequestLog.Taken> taken =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return log.take(java.util.concurrent.TimeUnit.SECONDS.toNanos(30));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    log.accept(record("late"));
    assertEquals("late", taken.get(30, java.util.concurrent.TimeUnit.SECONDS).record().id());
  }
}
