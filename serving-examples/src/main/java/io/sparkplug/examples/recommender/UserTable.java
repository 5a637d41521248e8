package io.sparkplug.examples.recommender;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkplug.examples.common.VersionedFeed;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One model's recommendations for every known user, as the executors serve them. When the service
 * loads a model it applies it to every user ({@link RecommendationService#recommendations}) and
 * publishes the result as a snapshot of the feed {@value #FEED}{@code /v1}: one JSON-lines file
 * named after the model, {@code <model>.json}, one line per user ({@code {"user":7,
 * "favouriteArea":"...","als":[{"id":3,"score":0.91},...]}}). Plain Hadoop file system calls, so a
 * local folder and {@code hdfs://} work alike, and the feed's {@code _PUBLISHED} marker keeps
 * readers from a half-written table. Each executor keeps the newest table in memory ({@link
 * UserLookup}).
 *
 * <p>A few lines per user: fine for thousands or a few million users; beyond that the table would
 * rather be a key-value store.
 */
final class UserTable {
  static final String FEED = "models/users";

  /** One recommended attraction of the model: its id and score. */
  static final StructType ITEM =
      new StructType().add("id", DataTypes.IntegerType).add("score", DataTypes.FloatType);

  /** What a lookup returns for a known user; null for an unknown one. */
  static final StructType ENTRY =
      new StructType()
          .add("model", DataTypes.StringType)
          .add("favouriteArea", DataTypes.StringType)
          .add("als", DataTypes.createArrayType(ITEM));

  private static final String SUFFIX = ".json";

  // Exact decimals, so a score read back is the float that was written (Float.toString's digits).
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  /** The snapshot folder it was read from: the newest published when it was loaded. */
  final String folder;

  /** The model's time stamp, as replies and exposures name it. */
  final String model;

  private final Map<Integer, Row> users;

  private UserTable(String folder, String model, Map<Integer, Row> users) {
    this.folder = folder;
    this.model = model;
    this.users = users;
  }

  /** {@link #ENTRY} for {@code user}, or null when the model does not know the user. */
  Row get(int user) {
    return users.get(user);
  }

  int size() {
    return users.size();
  }

  /**
   * Publishes {@code recommendations} ({@code user, favouriteArea, als}) of model {@code model} as
   * a new snapshot of {@code feed}; returns its folder. Runs on the driver: the table is collected
   * (it is small) and written as one file.
   */
  static String publish(VersionedFeed feed, Dataset<Row> recommendations, String model) {
    List<String> lines = recommendations.toJSON().collectAsList();
    return feed.publish(
        folder -> {
          Path file = new Path(folder, model + SUFFIX);
          try (BufferedWriter out =
              new BufferedWriter(
                  new OutputStreamWriter(
                      feed.fileSystem().create(file, false), StandardCharsets.UTF_8))) {
            for (String line : lines) {
              out.write(line);
              out.write('\n');
            }
          }
        });
  }

  /** Reads the table of snapshot {@code folder}. */
  static UserTable read(FileSystem fs, String folder) throws IOException {
    FileStatus[] files =
        fs.listStatus(
            new Path(folder),
            path -> path.getName().endsWith(SUFFIX) && !path.getName().startsWith("_"));
    if (files.length != 1) {
      throw new IOException(
          "expected one <model>" + SUFFIX + " in " + folder + ", found " + files.length);
    }
    String name = files[0].getPath().getName();
    String model = name.substring(0, name.length() - SUFFIX.length());
    Map<Integer, Row> users = new HashMap<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(fs.open(files[0].getPath()), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode user = JSON.readTree(line);
        users.put(
            user.get("user").asInt(),
            RowFactory.create(model, text(user.get("favouriteArea")), items(user.get("als"))));
      }
    }
    return new UserTable(folder, model, users);
  }

  private static String text(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }

  private static List<Row> items(JsonNode als) {
    if (als == null || als.isNull()) {
      return null;
    }
    List<Row> items = new ArrayList<>(als.size());
    for (JsonNode item : als) {
      JsonNode score = item.get("score");
      Float value =
          score == null || score.isNull()
              ? null
              : Float.parseFloat(
                  score.isNumber() ? score.decimalValue().toString() : score.asText());
      items.add(RowFactory.create(item.get("id").asInt(), value));
    }
    return items;
  }
}
