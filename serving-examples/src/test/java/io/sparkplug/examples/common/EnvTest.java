package io.sparkplug.examples.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkplug.examples.recommender.RecommenderConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings from the environment: defaults, overrides, and errors that name the variable. */
class EnvTest {
  @Test
  void unsetOrBlankVariablesTakeTheDefaults() {
    RecommenderConfig config = RecommenderConfig.fromEnv(new Env(Map.of("RECOMMENDER_SALT", " ")));
    assertEquals(8080, config.serving().port());
    assertEquals("driver", config.serving().mode());
    assertEquals("attractions-2026", config.salt());
    assertEquals(3, config.items());
  }

  @Test
  void variablesOverrideTheDefaults() {
    RecommenderConfig config =
        RecommenderConfig.fromEnv(
            new Env(
                Map.of(
                    "SPARKPLUG_PORT", "9090",
                    "SPARKPLUG_MODE", "Executor",
                    "RECOMMENDER_ALS_PERCENT", "20",
                    "KAFKA_BOOTSTRAP_SERVERS", "kafka1:9092")));
    assertEquals(9090, config.serving().port());
    assertEquals("executor", config.serving().mode());
    assertEquals(20, config.alsPercent());
    assertEquals("kafka1:9092", config.kafkaBootstrapServers());
  }

  @Test
  void executorModeTakesAPortRangeAsTheCliPassesIt() {
    ServingConfig config =
        ServingConfig.fromEnv(
            new Env(Map.of("SPARKPLUG_PORT", "9090-9099", "SPARKPLUG_MODE", "executor")));
    assertEquals(9090, config.port());
    assertEquals(9099, config.lastPort());
    assertEquals("9090-9099", config.portOption());
    assertEquals("8080", ServingConfig.fromEnv(new Env(Map.of())).portOption());
  }

  @Test
  void invalidValuesAreRefusedWithTheirName() {
    assertEquals(
        "environment variable RECOMMENDER_ITEMS='9' must be an integer from 1 to 5",
        assertThrows(
                IllegalArgumentException.class,
                () -> RecommenderConfig.fromEnv(new Env(Map.of("RECOMMENDER_ITEMS", "9"))))
            .getMessage());
    assertEquals(
        "environment variable SPARKPLUG_PORT='9090-9099' must be a port from 1 to 65535",
        assertThrows(
                IllegalArgumentException.class,
                () -> ServingConfig.fromEnv(new Env(Map.of("SPARKPLUG_PORT", "9090-9099"))))
            .getMessage());
    assertEquals(
        "environment variable SPARKPLUG_PORT='9099-9090' must be a port from 1 to 65535 or a"
            + " range such as 9090-9099",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    ServingConfig.fromEnv(
                        new Env(
                            Map.of("SPARKPLUG_PORT", "9099-9090", "SPARKPLUG_MODE", "executor"))))
            .getMessage());
    assertEquals(
        "environment variable SPARKPLUG_MODE='cluster' must be one of driver, executor",
        assertThrows(
                IllegalArgumentException.class,
                () -> ServingConfig.fromEnv(new Env(Map.of("SPARKPLUG_MODE", "cluster"))))
            .getMessage());
  }
}
