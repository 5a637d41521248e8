package io.sparkplug.http.source.drivermode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Spark compares offsets by their JSON, and checkpoints keep it: the form must not change. */
class DriverOffsetTest {
  @Test
  void jsonIsTheOffsetAlone() {
    assertEquals("{\"offset\":42}", new DriverOffset(42).json());
  }

  @Test
  void jsonReadsBack() {
    assertEquals(42, DriverOffset.of(DriverOffset.fromJson("{\"offset\":42}")));
    assertEquals(7, DriverOffset.of(DriverOffset.fromJson(" {\"offset\": 7} ")));
  }

  @Test
  void anotherSourcesOffsetIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> DriverOffset.fromJson("{\"epoch\":1,\"servers\":{}}"));
    assertThrows(IllegalArgumentException.class, () -> DriverOffset.fromJson("not json"));
  }
}
