package io.sparkplug.http;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;

/**
 * Tells a stopping source whether its query failed (its waiting clients then get 500) or was
 * stopped (503). Spark stops sources on the query's own thread, where the query id is a local
 * property and the query, still registered, already holds the exception that ended it.
 */
public final class QueryFailures {
  private static final String QUERY_ID_PROPERTY = "sql.streaming.queryId";

  private QueryFailures() {}

  /** True when the query running on this thread has failed. */
  public static boolean currentQueryFailed() {
    try {
      SparkSession spark = SparkSession.active();
      String queryId = spark.sparkContext().getLocalProperty(QUERY_ID_PROPERTY);
      if (queryId == null) {
        return false;
      }
      StreamingQuery query = spark.streams().get(queryId);
      return query != null && query.exception().isDefined();
    } catch (RuntimeException e) {
      return false;
    }
  }
}
