package io.sparkplug.examples.recommender;

import io.sparkplug.http.SparkPlugHttp;
import org.apache.spark.sql.ForeachWriter;
import org.apache.spark.sql.Row;

/**
 * The service's sink, in the tasks: for each row of {@link RecommendationService#answer} ({@code
 * reply}, {@code exposure}, {@code exposureKey}) it sends the reply with the connector's reply
 * writer, then records the exposure, if any, in the task's {@link ExposureLog}. A {@code foreach}
 * sink, so Spark runs it in real-time mode (row by row, as each request arrives) as well as in
 * micro-batches; {@link #close} ends the epoch's log.
 */
final class RecommendationWriter extends ForeachWriter<Row> {
  private static final long serialVersionUID = 1L;
  static final String CONTENT_TYPE = "application/json";

  private final ExposureLog.Target exposures;
  private final UserLookup.Udf lookup;
  private transient ForeachWriter<Row> replies;
  private transient ExposureLog log;
  private transient long partition;
  private transient long epoch;

  RecommendationWriter(ExposureLog.Target exposures, UserLookup.Udf lookup) {
    this.exposures = exposures;
    this.lookup = lookup;
  }

  @Override
  public boolean open(long partitionId, long epochId) {
    partition = partitionId;
    epoch = epochId;
    log = null; // opened by the first exposure: an epoch without one writes no file
    // The first task in an executor reads the user table here, before a client waits for it.
    lookup.warm();
    replies = SparkPlugHttp.replyWriter(CONTENT_TYPE);
    return replies.open(partitionId, epochId);
  }

  @Override
  public void process(Row row) {
    replies.process(row.getStruct(0)); // the client first
    if (!row.isNullAt(1)) {
      if (log == null) {
        log = ExposureLog.open(exposures, partition, epoch);
      }
      log.add(row.getString(2), row.getString(1));
    }
  }

  @Override
  public void close(Throwable error) {
    try {
      replies.close(error);
    } finally {
      if (log != null) {
        log.close();
        log = null;
      }
    }
  }
}
