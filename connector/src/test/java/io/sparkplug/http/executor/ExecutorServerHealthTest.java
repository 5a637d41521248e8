package io.sparkplug.http.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkplug.http.server.RequestRecord;
import io.sparkplug.http.source.RequestLog;
import org.junit.jupiter.api.Test;

/** When an executor server's requests count as stalled: the rule behind its health check. */
class ExecutorServerHealthTest {
  private static final long LIMIT = 10_000;

  @Test
  void nothingUnreadIsNeverStalled() {
    assertFalse(ExecutorServer.readStalled(-1, 1_000_000, LIMIT));
  }

  @Test
  void aRequestArrivingAfterALongIdleIsNotStalledAtOnce() {
    // Nothing read for a long time, and a request arrived just now: the soak test's case.
    assertFalse(ExecutorServer.readStalled(99_000, 100_000, LIMIT));
  }

  @Test
  void requestsUnreadForLongerThanTheLimitAreStalled() {
    assertTrue(ExecutorServer.readStalled(80_000, 100_000, LIMIT));
  }

  @Test
  void theOldestUnreadRequestIsTheOneTimed() {
    RequestLog log = new RequestLog();
    assertEquals(-1, log.oldestUnreadMicros());
    log.accept(record(1, 5_000));
    log.accept(record(2, 7_000));
    assertEquals(5_000, log.oldestUnreadMicros());
    log.plan(log.start(), log.start() + 1);
    assertEquals(7_000, log.oldestUnreadMicros());
    log.plan(log.start(), log.latest());
    assertEquals(-1, log.oldestUnreadMicros());
  }

  private static RequestRecord record(long sequence, long receivedAtMicros) {
    return new RequestRecord(
        "abcdefghijkl-" + sequence,
        "POST",
        "/",
        "",
        new String[0],
        new String[0],
        new byte[0],
        receivedAtMicros);
  }
}
