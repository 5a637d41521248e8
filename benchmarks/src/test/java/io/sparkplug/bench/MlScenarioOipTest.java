package io.sparkplug.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ML scenario's logistic regression over the Open Inference Protocol ({@code --scenario
 * ml-oip}): an inference client's request gets the model's probability and prediction as output
 * tensors, agreeing with the weights the training data follows.
 */
@Timeout(300)
class MlScenarioOipTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void logisticRegressionAnswersInferenceRequests() throws Exception {
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("ml-oip-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    LogisticRegressionModel model = MlScenario.train(spark);
    Dataset<Row> requests =
        spark
            .readStream()
            .format("sparkplug-http")
            .option("port", port)
            .option("protocol", "oip")
            .option("model", "logreg")
            .option("requestSchema", MlScenario.OIP_INPUTS)
            .load();
    StreamingQuery query =
        MlScenario.scoreOip(model, requests)
            .writeStream()
            .format("sparkplug-http")
            .option("protocol", "oip")
            .option("checkpointLocation", Files.createTempDirectory("ml-oip").toString())
            .start();
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try {
      // Ready once the model answers its readiness probe (bounded wait, no fixed sleep).
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (true) {
        try {
          HttpResponse<String> ready =
              client.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + port + "/v2/models/logreg/ready"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          if (ready.statusCode() == 200 && query.lastProgress() != null) {
            break;
          }
        } catch (java.io.IOException notYet) {
          // not listening yet
        }
        assertTrue(query.isActive(), "the query stopped");
        assertTrue(System.nanoTime() < deadline, "the model was not ready within 120 s");
        Thread.sleep(50); // the poll interval of a bounded wait, not a wait for an event
      }
      // A strongly positive margin under the generating weights (1.5, -2, 0.75, 0.5; -0.25).
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + port + "/v2/models/logreg/infer"))
                  .timeout(Duration.ofSeconds(60))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"id\":\"a\",\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],"
                              + "\"datatype\":\"FP64\",\"data\":[[2,-1,0,0]]}]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode(), response.body());
      JsonNode body = JSON.readTree(response.body());
      assertEquals("logreg", body.get("model_name").asText());
      assertEquals("a", body.get("id").asText());
      assertEquals("probability", body.get("outputs").get(0).get("name").asText());
      assertEquals("FP64", body.get("outputs").get(0).get("datatype").asText());
      assertEquals("[1]", body.get("outputs").get(0).get("shape").toString());
      double p = body.get("outputs").get(0).get("data").get(0).asDouble();
      assertTrue(p > 0.95 && p <= 1.0, response.body());
      assertEquals(
          "{\"name\":\"prediction\",\"datatype\":\"FP64\",\"shape\":[1],\"data\":[1.0]}",
          body.get("outputs").get(1).toString());
    } finally {
      query.stop();
      spark.stop();
    }
  }
}
