package io.sparkplug.http.source;

import io.sparkplug.http.cluster.Route;
import io.sparkplug.http.server.RequestRecord;
import org.apache.spark.sql.connector.read.InputPartition;

/**
 * A slice of one micro-batch's requests, shipped to the executor that reads it, with the route back
 * to the driver that holds their clients: a reply written in that JVM by any writer (the sink, or a
 * {@code foreach} writer inside {@code foreachBatch}) can then be forwarded.
 */
final class HttpInputPartition implements InputPartition {
  private static final long serialVersionUID = 1L;

  private final RequestRecord[] records;
  private final String instance;
  private final Route driver;

  HttpInputPartition(RequestRecord[] records, String instance, Route driver) {
    this.records = records;
    this.instance = instance;
    this.driver = driver;
  }

  RequestRecord[] records() {
    return records;
  }

  String instance() {
    return instance;
  }

  Route driver() {
    return driver;
  }
}
