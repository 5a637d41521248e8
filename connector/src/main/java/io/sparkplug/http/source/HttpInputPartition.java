package io.sparkplug.http.source;

import io.sparkplug.http.server.RequestRecord;
import org.apache.spark.sql.connector.read.InputPartition;

/** A slice of one micro-batch's requests, shipped to the executor that reads it. */
final class HttpInputPartition implements InputPartition {
  private static final long serialVersionUID = 1L;

  private final RequestRecord[] records;

  HttpInputPartition(RequestRecord[] records) {
    this.records = records;
  }

  RequestRecord[] records() {
    return records;
  }
}
