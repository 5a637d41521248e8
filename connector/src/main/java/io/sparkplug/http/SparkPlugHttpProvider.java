package io.sparkplug.http;

import io.sparkplug.http.config.ServiceOptions;
import io.sparkplug.http.rows.RequestSchema;
import java.util.Map;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * Entry point of the {@code sparkplug-http} format: {@code readStream().format("sparkplug-http")}
 * serves HTTP requests as rows, {@code writeStream().format("sparkplug-http")} sends the replies.
 */
public final class SparkPlugHttpProvider implements TableProvider, DataSourceRegister {
  public static final String SHORT_NAME = "sparkplug-http";

  @Override
  public String shortName() {
    return SHORT_NAME;
  }

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return RequestSchema.of(ServiceOptions.requestSchemaIfValid(options));
  }

  @Override
  public Table getTable(
      StructType schema, Transform[] partitioning, Map<String, String> properties) {
    return new SparkPlugHttpTable(schema);
  }
}
