package io.sparkplug.http.source.executormode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Spark compares offsets by their JSON, and checkpoints keep it: the form must not change. */
class ExecutorOffsetTest {
  @Test
  void jsonListsServersInNameOrder() {
    assertEquals(
        "{\"epoch\":3,\"servers\":{\"aaa\":1,\"bbb\":20}}",
        new ExecutorOffset(3, Map.of("bbb", 20L, "aaa", 1L)).json());
    assertEquals("{\"epoch\":0,\"servers\":{}}", new ExecutorOffset(0, Map.of()).json());
  }

  @Test
  void jsonReadsBack() {
    ExecutorOffset offset = ExecutorOffset.fromJson("{\"epoch\":3,\"servers\":{\"aaa\":1}}");
    assertEquals(3, offset.epoch());
    assertEquals(Map.of("aaa", 1L), offset.servers());
  }

  @Test
  void aDriverModeOffsetIsRefusedNamingTheMode() {
    IllegalArgumentException failure =
        assertThrows(
            IllegalArgumentException.class, () -> ExecutorOffset.fromJson("{\"offset\":4}"));
    assertEquals(true, failure.getMessage().contains("'mode'"), failure.getMessage());
  }
}
