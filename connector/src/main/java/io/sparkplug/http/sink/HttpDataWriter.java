package io.sparkplug.http.sink;

import io.sparkplug.http.cluster.JvmAddress;
import io.sparkplug.http.metrics.RepliesDelivered;
import io.sparkplug.http.metrics.RepliesDropped;
import io.sparkplug.http.metrics.RepliesUnroutable;
import io.sparkplug.http.metrics.TaskMetric;
import io.sparkplug.http.reply.ReplyTarget.Outcome;
import io.sparkplug.http.rows.ReplyRows;
import io.sparkplug.http.rows.ReplySchema;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.WriterCommitMessage;

/**
 * Sends each reply the moment its row is written: the client does not wait for the rest of the
 * batch. A reply whose client is connected to this JVM is written to the connection here; any other
 * is forwarded to the JVM that holds it, and {@link #commit()} waits until every forwarded reply
 * has been handed over, so a task that succeeded has delivered its replies. A reply for a request
 * already answered is dropped by the service and counted.
 */
final class HttpDataWriter implements DataWriter<InternalRow> {
  private static final Duration FORWARD_WAIT = Duration.ofSeconds(60);

  private final ReplyRows rows;
  private final Map<String, JvmAddress> addresses;
  private final Duration forwardWait;
  private final List<CompletableFuture<Outcome>> forwarded = new ArrayList<>();
  private long delivered;
  private long dropped;
  private long unroutable;

  HttpDataWriter(ReplySchema schema, String userContentType, Map<String, JvmAddress> addresses) {
    this(schema, userContentType, addresses, FORWARD_WAIT);
  }

  /**
   * @param forwardWait how long {@link #commit()} waits for forwarded replies to be acknowledged
   *     (60 s in production; tests of the failure shorten it)
   */
  HttpDataWriter(
      ReplySchema schema,
      String userContentType,
      Map<String, JvmAddress> addresses,
      Duration forwardWait) {
    this.rows = new ReplyRows(schema, userContentType);
    this.addresses = addresses;
    this.forwardWait = forwardWait;
  }

  @Override
  public void write(InternalRow row) {
    String id = rows.id(row);
    if (id == null) {
      unroutable++;
      return;
    }
    CompletableFuture<Outcome> outcome = ReplySender.send(id, rows.reply(row), addresses);
    if (outcome.isDone()) {
      count(outcome.join());
    } else {
      forwarded.add(outcome);
    }
  }

  private void count(Outcome outcome) {
    switch (outcome) {
      case DELIVERED -> delivered++;
      case DROPPED -> dropped++;
      case UNROUTABLE -> unroutable++;
    }
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    return new CustomTaskMetric[] {
      new TaskMetric(RepliesDelivered.NAME, delivered),
      new TaskMetric(RepliesDropped.NAME, dropped),
      new TaskMetric(RepliesUnroutable.NAME, unroutable)
    };
  }

  @Override
  public WriterCommitMessage commit() throws IOException {
    long deadline = System.nanoTime() + forwardWait.toNanos();
    for (CompletableFuture<Outcome> outcome : forwarded) {
      try {
        count(outcome.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("sparkplug-http: interrupted while forwarding replies", e);
      } catch (ExecutionException | TimeoutException e) {
        // The task fails and Spark retries it; replies already delivered are then dropped.
        throw new IOException("sparkplug-http: forwarded replies were not acknowledged", e);
      }
    }
    forwarded.clear();
    return new ReplyCounts(delivered, dropped, unroutable);
  }

  @Override
  public void abort() {}

  @Override
  public void close() {}
}
