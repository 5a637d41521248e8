package io.sparkplug.http.cluster;

import org.apache.spark.SparkContext;

/**
 * Where the driver's internal endpoint listens ({@code bind}) and the address executors use to
 * reach it ({@code advertised}): Spark's own driver addresses, or loopback for a local master.
 */
public record DriverAddress(String advertised, String bind) {
  public static DriverAddress of(SparkContext spark) {
    if (spark.isLocal()) {
      return new DriverAddress("127.0.0.1", "127.0.0.1");
    }
    String advertised = spark.getConf().get("spark.driver.host");
    return new DriverAddress(
        advertised, spark.getConf().get("spark.driver.bindAddress", advertised));
  }
}
