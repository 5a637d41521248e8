package io.sparkplug.http;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;

/**
 * Tells a stopping source whether its query failed (its clients then get 500) or was stopped (503).
 * Spark stops sources on the query's own thread, where the query id is a local property; a failed
 * write job is also recorded here by the sink, since it aborts before the sources stop.
 */
public final class QueryFailures {
  private static final String QUERY_ID_PROPERTY = "sql.streaming.queryId";
  private static final Set<String> ABORTED = ConcurrentHashMap.newKeySet();

  private QueryFailures() {}

  /** The sink's write job for this query failed. */
  public static void markAborted(String queryId) {
    ABORTED.add(queryId);
  }

  /** Forgets an earlier run's failure: called when a query (re)starts its source. */
  public static void clearCurrentQuery() {
    String queryId = currentQueryId();
    if (queryId != null) {
      ABORTED.remove(queryId);
    }
  }

  /** True when the query running on this thread has failed. */
  public static boolean currentQueryFailed() {
    String queryId = currentQueryId();
    if (queryId == null) {
      return false;
    }
    if (ABORTED.remove(queryId)) {
      return true;
    }
    try {
      StreamingQuery query = SparkSession.active().streams().get(queryId);
      return query != null && query.exception().isDefined();
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static String currentQueryId() {
    try {
      return SparkSession.active().sparkContext().getLocalProperty(QUERY_ID_PROPERTY);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
