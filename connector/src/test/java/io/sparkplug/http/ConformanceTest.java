package io.sparkplug.http;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP/1.1 conformance suite ({@code conformance/http11.txt}) against a real service: every
 * case over its own raw connection, with a deadline.
 */
@Timeout(300)
class ConformanceTest {
  private static int port;
  private static StreamingQuery service;

  @BeforeAll
  static void start() throws TimeoutException {
    port = TestSpark.freePort();
    service = echoWithStatus(port);
    awaitServing(port, service);
  }

  /** Ready: the port listens, health says serving, and the query has completed a batch. */
  static void awaitServing(int port, StreamingQuery query) {
    TestSpark.awaitListening(port);
    Awaitility.await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> query.lastProgress() != null && Http.get(port, "/-/health").statusCode() == 200);
  }

  @AfterAll
  static void stop() throws TimeoutException {
    if (service != null) {
      service.stop();
    }
  }

  /**
   * The service every case talks to: {@code /echo} with a 1 KiB body limit and a 5 s {@code
   * readTimeout}, replying with the request body and the status an {@code X-Status} header names
   * (200 without one).
   */
  static StreamingQuery echoWithStatus(int port) throws TimeoutException {
    Dataset<Row> requests =
        TestSpark.requests(port, "path", "/echo", "maxBodyBytes", "1k", "readTimeout", "5s");
    return TestQueries.serve(
        requests.select(
            col("id"),
            col("body"),
            coalesce(col("headers").getItem("x-status").cast("int"), lit(200)).as("status")));
  }

  @TestFactory
  Stream<DynamicTest> direct() {
    return Conformance.tests(port, false);
  }
}
