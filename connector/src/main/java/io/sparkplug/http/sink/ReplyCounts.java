package io.sparkplug.http.sink;

import org.apache.spark.sql.connector.write.WriterCommitMessage;

/** What one writer task did with its replies. */
record ReplyCounts(long delivered, long dropped, long unroutable) implements WriterCommitMessage {}
