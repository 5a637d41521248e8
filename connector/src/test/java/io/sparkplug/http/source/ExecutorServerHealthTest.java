package io.sparkplug.http.source;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When an executor server's requests count as stalled: the rule behind its health check. */
class ExecutorServerHealthTest {
  private static final long LIMIT = 10_000;

  @Test
  void nothingUnreadIsNeverStalled() {
    assertFalse(ExecutorServer.readStalled(0, 0, 0, 1_000_000, LIMIT));
  }

  @Test
  void aRequestArrivingAfterALongIdleIsNotStalledAtOnce() {
    // Last read long ago, the backlog filled just now: the soak test's case.
    assertFalse(ExecutorServer.readStalled(1, 0, 99_000, 100_000, LIMIT));
  }

  @Test
  void requestsUnreadForLongerThanTheLimitAreStalled() {
    assertTrue(ExecutorServer.readStalled(3, 0, 80_000, 100_000, LIMIT));
  }

  @Test
  void aRecentReadKeepsABacklogHealthy() {
    assertFalse(ExecutorServer.readStalled(3, 95_000, 0, 100_000, LIMIT));
  }
}
