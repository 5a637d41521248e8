package io.sparkplug.http.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkplug.http.TestSpark;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Which settings the start-up WARN names, by checkpoint file system (no query needed). */
class SlowSettingsTest {
  private static final String HDFS = "hdfs://127.0.0.1:1/checkpoints/q";

  @Test
  void anHdfsCheckpointWithHadoopsCloseRetryDelayIsNamed() {
    SparkSession spark = TestSpark.servingSession();
    spark.conf().unset("spark.hadoop." + SlowSettings.HDFS_CLOSE_RETRY_DELAY);
    List<String> costs = SlowSettings.of(spark, HDFS).costs(true);
    assertEquals(1, costs.size(), costs.toString());
    assertTrue(
        costs.get(0).startsWith("spark.hadoop." + SlowSettings.HDFS_CLOSE_RETRY_DELAY + "=400"),
        costs.get(0));
  }

  @Test
  void theServingSettingsNameNothingOnHdfs() {
    assertEquals(List.of(), SlowSettings.of(TestSpark.servingSession(), HDFS).costs(false));
  }

  @Test
  void aLocalCheckpointDoesNotCareAboutHdfsRetries() {
    SparkSession spark = TestSpark.servingSession();
    spark.conf().unset("spark.hadoop." + SlowSettings.HDFS_CLOSE_RETRY_DELAY);
    assertEquals(List.of(), SlowSettings.of(spark, TestSpark.checkpoint()).costs(false));
  }
}
