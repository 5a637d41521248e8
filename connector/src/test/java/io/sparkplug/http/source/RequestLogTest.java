package io.sparkplug.http.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    java.util.concurrent.atomic.AtomicReference<RequestLog.Taken> taken =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicLong tookNanos = new java.util.concurrent.atomic.AtomicLong();
    Thread reader =
        new Thread(
            () -> {
              long start = System.nanoTime();
              try {
                taken.set(log.take(java.util.concurrent.TimeUnit.SECONDS.toNanos(60)));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              tookNanos.set(System.nanoTime() - start);
            },
            "request-log-reader");
    reader.start();
    // The record must arrive while the reader is parked in its timed wait, not before it looked:
    // only then does this exercise the wake-up (a record that is already there is taken at once).
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (reader.getState() != Thread.State.TIMED_WAITING) {
      assertTrue(System.nanoTime() < deadline, "the reader never waited: " + reader.getState());
      Thread.sleep(1);
    }
    log.accept(record("late"));
    reader.join(java.util.concurrent.TimeUnit.SECONDS.toMillis(60));
    assertEquals("late", taken.get() == null ? null : taken.get().record().id());
    // Woken by the arrival, not by its 60 s timeout running out.
    assertTrue(
        tookNanos.get() < java.util.concurrent.TimeUnit.SECONDS.toNanos(30),
        "took " + tookNanos.get() / 1_000_000 + " ms");
  }

  @Test
  void takenRecordsAreLetGoAtOnceAndRangesKeepTheirsUntilTheCommit() throws Exception {
    RequestLog log = new RequestLog();
    for (int i = 0; i < 5; i++) {
      log.accept(record("r" + i));
    }
    assertEquals("r0", log.take(0).record().id());
    RequestLog.Taken second = log.take(0);
    assertEquals("r1", second.record().id());
    assertEquals(2, second.offset());
    assertEquals(3, log.retained(), "the two taken records are still held");
    assertEquals(List.of("r2", "r3", "r4"), ids(log.unplanned()));
    log.commit(2);
    assertEquals(3, log.retained());
    assertEquals("r2", log.take(0).record().id());
    assertEquals(2, log.backlog());

    RequestLog ranges = new RequestLog();
    for (int i = 0; i < 4; i++) {
      ranges.accept(record("m" + i));
    }
    assertEquals(List.of("m0", "m1", "m2"), ids(ranges.plan(0, 3)));
    assertEquals(List.of("m0", "m1", "m2"), ids(ranges.plan(0, 3)), "a retried task's range");
    assertEquals(4, ranges.retained());
    ranges.commit(3);
    assertEquals(1, ranges.retained());
  }
}
