package io.sparkplug.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.udf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
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
            TestSpark.requests(port, "requestTimeout", "5s")
                .filter(col("query").notEqual("drop"))
                .select(col("id"), col("body")));
    try {
      TestSpark.awaitReady(port, query);
      // The dropped request first: it gets 504 however long the first batch takes; the batch that
      // read it warmed the plan, so the kept request after it is answered well inside 5 s.
      assertEquals(504, Http.get(port, "/?drop").statusCode());
      HttpResponse<String> kept = Http.get(port, "/?keep");
      assertEquals(200, kept.statusCode());
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

  /**
   * A stream-static join that shuffles (broadcast joins off, so Spark plans a sort-merge join and
   * exchanges the request rows by key): many requests in flight, each gets its own quote.
   */
  @Test
  void repliesCrossAShuffleJoin() throws Exception {
    SparkSession spark = TestSpark.session().newSession();
    spark.conf().set("spark.sql.autoBroadcastJoinThreshold", "-1");
    Dataset<Row> prices =
        spark.createDataFrame(
            List.of(
                RowFactory.create("apple", 0.5),
                RowFactory.create("pear", 0.75),
                RowFactory.create("plum", 0.25)),
            new StructType()
                .add("item", DataTypes.StringType)
                .add("unitPrice", DataTypes.DoubleType));
    int port = TestSpark.freePort();
    Dataset<Row> orders =
        spark
            .readStream()
            .format("sparkplug-http")
            .option("port", port)
            .load()
            .select(col("id"), from_json(col("body").cast("string"), ORDER).as("order"))
            .select(col("id"), col("order.*"));
    Dataset<Row> joined = orders.join(prices, "item");
    StreamingQuery query =
        serve(
            joined.select(
                col("id"),
                to_json(struct(col("item"), col("quantity"), col("unitPrice"))).as("body")));
    try {
      TestSpark.awaitReady(port, query);
      String[] items = {"apple", "pear", "plum"};
      double[] unit = {0.5, 0.75, 0.25};
      List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> calls =
          new java.util.ArrayList<>();
      for (int i = 0; i < 30; i++) {
        calls.add(
            Http.postAsync(
                port, "/", "{\"item\":\"" + items[i % 3] + "\",\"quantity\":" + i + "}"));
      }
      for (int i = 0; i < calls.size(); i++) {
        HttpResponse<String> response = calls.get(i).get();
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(
            "{\"item\":\""
                + items[i % 3]
                + "\",\"quantity\":"
                + i
                + ",\"unitPrice\":"
                + unit[i % 3]
                + "}",
            response.body());
      }
      // The plan that answered them shuffled the requests for the join.
      String plan = SecurityTest.explained(query);
      assertTrue(plan.contains("SortMergeJoin") || plan.contains("ShuffledHashJoin"), plan);
      assertTrue(plan.contains("Exchange"), plan);
    } finally {
      query.stop();
    }
  }

  /**
   * An aggregation keyed by the request id (update mode, state kept per id): the reply carries the
   * aggregate of that request's own rows, here the words of its body counted after an explode.
   */
  @Test
  void repliesCrossAnAggregation() throws Exception {
    int port = TestSpark.freePort();
    Dataset<Row> words =
        TestSpark.requests(port)
            .select(
                col("id"),
                org.apache
                    .spark
                    .sql
                    .functions
                    .explode(org.apache.spark.sql.functions.split(col("body").cast("string"), " "))
                    .as("word"));
    Dataset<Row> counted =
        words
            .groupBy(col("id"))
            .agg(org.apache.spark.sql.functions.count(col("word")).as("words"))
            .select(col("id"), col("words").cast("string").as("body"));
    StreamingQuery query =
        counted
            .writeStream()
            .format("sparkplug-http")
            .outputMode("update")
            .option("checkpointLocation", TestSpark.checkpoint())
            .start();
    try {
      TestSpark.awaitReady(port, query);
      List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> calls =
          new java.util.ArrayList<>();
      for (int i = 1; i <= 12; i++) {
        calls.add(Http.postAsync(port, "/", "w ".repeat(i).trim()));
      }
      for (int i = 1; i <= calls.size(); i++) {
        HttpResponse<String> response = calls.get(i - 1).get();
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(Integer.toString(i), response.body());
      }
    } finally {
      query.stop();
    }
  }
}
