package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.udf;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Any stateless plan serves: JSON in and out, UDFs, stream-static joins, filters. */
@Timeout(120)
class QueryPlansTest {
  private static final StructType ORDER =
      new StructType().add("item", DataTypes.StringType).add("quantity", DataTypes.IntegerType);

  private static StreamingQuery serve(Dataset<Row> replies) throws TimeoutException {
    return TestQueries.serve(replies, "contentType", "application/json");
  }

  @Test
  void jsonBodyParsedAndAnsweredAsJsonThroughAStreamStaticJoin() throws Exception {
    Dataset<Row> prices =
        TestSpark.session()
            .createDataFrame(
                List.of(RowFactory.create("apple", 0.5), RowFactory.create("pear", 0.75)),
                new StructType()
                    .add("item", DataTypes.StringType)
                    .add("unitPrice", DataTypes.DoubleType));
    int port = TestSpark.freePort();
    Dataset<Row> orders =
        TestSpark.requests(port)
            .select(col("id"), from_json(col("body").cast("string"), ORDER).as("order"))
            .select(col("id"), col("order.*"));
    StreamingQuery query =
        serve(
            orders
                .join(prices, "item")
                .select(
                    col("id"),
                    to_json(
                            struct(
                                col("item"),
                                col("quantity"),
                                col("quantity").multiply(col("unitPrice")).as("total")))
                        .as("body")));
    try {
      TestSpark.awaitListening(port);
      HttpResponse<String> response = Http.post(port, "/", "{\"item\":\"pear\",\"quantity\":4}");
      assertEquals(200, response.statusCode());
      assertEquals("{\"item\":\"pear\",\"quantity\":4,\"total\":3.0}", response.body());
      assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
    } finally {
      query.stop();
    }
  }

  @Test
  void udfComputesTheReply() throws Exception {
    int port = TestSpark.freePort();
    var reverse =
        udf(
            (UDF1<byte[], String>) body -> new StringBuilder(new String(body)).reverse().toString(),
            DataTypes.StringType);
    StreamingQuery query =
        serve(TestSpark.requests(port).select(col("id"), reverse.apply(col("body")).as("body")));
    try {
      TestSpark.awaitListening(port);
      assertEquals("olleh", Http.post(port, "/", "hello").body());
    } finally {
      query.stop();
    }
  }

  @Test
  void requestsFilteredOutGetTheirTimeoutWhileOthersAreAnswered() throws Exception {
    int port = TestSpark.freePort();
    StreamingQuery query =
        serve(
            TestSpark.requests(port, "requestTimeout", "1s")
                .filter(col("query").notEqual("drop"))
                .select(col("id"), col("body")));
    try {
      TestSpark.awaitListening(port);
      // The first batch of a fresh query can take longer than the 1 s timeout on a loaded
      // machine: wait, bounded, until a kept request is answered.
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(60))
          .until(() -> Http.get(port, "/?keep").statusCode() == 200);
      assertEquals(504, Http.get(port, "/?drop").statusCode());
      assertEquals(200, Http.get(port, "/?keep").statusCode());
    } finally {
      query.stop();
    }
  }

  @Test
  void servicesOnDifferentPortsAnswerTheirOwnRequests() throws Exception {
    int left = TestSpark.freePort();
    int right = TestSpark.freePort();
    StreamingQuery leftQuery =
        serve(TestSpark.requests(left).select(col("id"), col("path").as("body")));
    StreamingQuery rightQuery =
        serve(TestSpark.requests(right).select(col("id"), col("method").as("body")));
    try {
      TestSpark.awaitListening(left);
      TestSpark.awaitListening(right);
      for (int i = 0; i < 5; i++) {
        assertEquals("/l" + i, Http.get(left, "/l" + i).body());
        assertEquals("POST", Http.post(right, "/r", "x").body());
      }
    } finally {
      leftQuery.stop();
      rightQuery.stop();
    }
  }
}
