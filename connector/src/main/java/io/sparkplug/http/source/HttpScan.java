package io.sparkplug.http.source;

import io.sparkplug.http.config.Mode;
import io.sparkplug.http.config.ServiceOptions;
import io.sparkplug.http.metrics.RequestBodyBytes;
import io.sparkplug.http.metrics.RequestsFetched;
import io.sparkplug.http.metrics.RequestsRead;
import io.sparkplug.http.rows.RequestSchema;
import io.sparkplug.http.source.drivermode.DriverMicroBatchStream;
import io.sparkplug.http.source.executormode.ExecutorMicroBatchStream;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.types.StructType;

/** The scan of a {@code sparkplug-http} source: request rows, as a micro-batch stream. */
public final class HttpScan implements ScanBuilder, Scan {
  private final ServiceOptions options;

  public HttpScan(ServiceOptions options) {
    this.options = options;
  }

  @Override
  public Scan build() {
    return this;
  }

  @Override
  public StructType readSchema() {
    return RequestSchema.of(options.requestSchema());
  }

  @Override
  public CustomMetric[] supportedCustomMetrics() {
    if (options.mode() == Mode.EXECUTOR) {
      return new CustomMetric[] {new RequestsRead(), new RequestBodyBytes(), new RequestsFetched()};
    }
    return new CustomMetric[] {new RequestsRead(), new RequestBodyBytes()};
  }

  @Override
  public String description() {
    return "sparkplug-http "
        + options.mode()
        + " port "
        + options.port()
        + " path "
        + options.path();
  }

  @Override
  public MicroBatchStream toMicroBatchStream(String checkpointLocation) {
    SparkSession spark = SparkSession.active();
    SlowSettings slow = SlowSettings.of(spark, checkpointLocation);
    if (options.mode() == Mode.EXECUTOR) {
      return new ExecutorMicroBatchStream(options, spark.sparkContext(), slow);
    }
    String host = options.host();
    if (host == null) {
      // A local session serves this machine only; a cluster driver must be reachable.
      host = spark.sparkContext().isLocal() ? "127.0.0.1" : "0.0.0.0";
    }
    int partitions =
        options.numPartitions() > 0
            ? options.numPartitions()
            : Math.max(1, spark.sparkContext().defaultParallelism());
    return new DriverMicroBatchStream(options, host, partitions, spark.sparkContext(), slow);
  }
}
