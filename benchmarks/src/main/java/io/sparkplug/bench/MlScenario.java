package io.sparkplug.bench;

import static org.apache.spark.ml.functions.array_to_vector;
import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The ML scoring scenario: a logistic regression trained at start on generated, seeded data, then
 * applied to each request's {@code {"features":[a,b,c,d]}}. The labels follow {@link #WEIGHTS}, so
 * the trained model and the bare server's fixed one agree closely.
 */
final class MlScenario {
  static final double[] WEIGHTS = {1.5, -2.0, 0.75, 0.5};
  static final double INTERCEPT = -0.25;
  private static final StructType REQUEST =
      new StructType()
          .add("features", DataTypes.createArrayType(DataTypes.DoubleType, false), false);

  private MlScenario() {}

  /** Trains on 5,000 rows drawn with a fixed seed. */
  static LogisticRegressionModel train(SparkSession spark) {
    Random random = new Random(42);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      double[] x = new double[WEIGHTS.length];
      double margin = INTERCEPT;
      for (int j = 0; j < x.length; j++) {
        x[j] = random.nextGaussian();
        margin += WEIGHTS[j] * x[j];
      }
      double label = random.nextDouble() < 1 / (1 + Math.exp(-margin)) ? 1.0 : 0.0;
      rows.add(RowFactory.create(label, org.apache.spark.ml.linalg.Vectors.dense(x)));
    }
    StructType schema =
        new StructType()
            .add("label", DataTypes.DoubleType)
            .add("features", new org.apache.spark.ml.linalg.VectorUDT());
    Dataset<Row> training = spark.createDataFrame(rows, schema);
    return new LogisticRegression().setMaxIter(50).fit(training);
  }

  /**
   * The requestSchema of the Open Inference Protocol variant: one FP64 input tensor of shape [n].
   */
  static final String OIP_INPUTS = "features ARRAY<DOUBLE> NOT NULL";

  /**
   * The same model over the Open Inference Protocol (a source with {@code protocol=oip}, {@code
   * model} and {@link #OIP_INPUTS}): reply rows whose columns {@code probability} and {@code
   * prediction} (FP64, shape [1]) are the output tensors of a sink with {@code protocol=oip}.
   */
  static Dataset<Row> scoreOip(LogisticRegressionModel model, Dataset<Row> requests) {
    Dataset<Row> features =
        requests.select(col("id"), array_to_vector(col("request.features")).as("features"));
    return model
        .transform(features)
        .select(
            col("id"),
            element_at(vector_to_array(col("probability"), "float64"), 2).as("probability"),
            col("prediction"));
  }

  /** Reply rows for request rows: {@code {"probability":p,"prediction":0.0|1.0}}. */
  static Dataset<Row> score(LogisticRegressionModel model, Dataset<Row> requests) {
    Dataset<Row> features =
        requests.select(
            col("id"),
            array_to_vector(from_json(col("body").cast("string"), REQUEST).getField("features"))
                .as("features"));
    return model
        .transform(features)
        .select(
            col("id"),
            to_json(
                    struct(
                        element_at(vector_to_array(col("probability"), "float64"), 2)
                            .as("probability"),
                        col("prediction")))
                .as("body"));
  }
}
