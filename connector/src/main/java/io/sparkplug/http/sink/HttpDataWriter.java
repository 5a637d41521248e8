package io.sparkplug.http.sink;

import io.sparkplug.http.cluster.ReplyForwarder;
import io.sparkplug.http.cluster.Route;
import io.sparkplug.http.cluster.Routes;
import io.sparkplug.http.metrics.RepliesDelivered;
import io.sparkplug.http.metrics.RepliesDropped;
import io.sparkplug.http.metrics.RepliesUnroutable;
import io.sparkplug.http.metrics.TaskMetric;
import io.sparkplug.http.routing.Reply;
import io.sparkplug.http.routing.ReplyRouter;
import io.sparkplug.http.routing.ReplyTarget.Outcome;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Sends each reply the moment its row is written: the client does not wait for the rest of the
 * batch. A reply whose client is connected to this JVM is written to the connection here; any other
 * is forwarded to the JVM that holds it, and {@link #commit()} waits until every forwarded reply
 * has been handed over, so a task that succeeded has delivered its replies. A reply for a request
 * already answered is dropped by the service and counted.
 */
final class HttpDataWriter implements DataWriter<InternalRow> {
  private static final long FORWARD_WAIT_SECONDS = 60;

  private final ReplySchema schema;
  private final String contentType;
  private final Map<String, Route> routes;
  private final List<CompletableFuture<Outcome>> forwarded = new ArrayList<>();
  private long delivered;
  private long dropped;
  private long unroutable;

  HttpDataWriter(ReplySchema schema, String userContentType, Map<String, Route> routes) {
    this.schema = schema;
    this.routes = routes;
    this.contentType =
        userContentType != null
            ? userContentType
            : schema.binaryBody ? Reply.OCTET_STREAM : Reply.TEXT_PLAIN;
  }

  @Override
  public void write(InternalRow row) {
    if (row.isNullAt(schema.id)) {
      unroutable++;
      return;
    }
    String id = row.getUTF8String(schema.id).toString();
    Reply reply = toReply(row);
    Outcome outcome = ReplyRouter.deliver(id, reply);
    if (outcome == Outcome.UNROUTABLE) {
      Route route = Routes.forId(id, routes);
      if (route != null) {
        forwarded.add(ReplyForwarder.forward(route, id, reply));
        return;
      }
    }
    count(outcome);
  }

  private void count(Outcome outcome) {
    switch (outcome) {
      case DELIVERED -> delivered++;
      case DROPPED -> dropped++;
      case UNROUTABLE -> unroutable++;
    }
  }

  private Reply toReply(InternalRow row) {
    byte[] body = null;
    if (!row.isNullAt(schema.body)) {
      body =
          schema.binaryBody
              ? row.getBinary(schema.body)
              : row.getUTF8String(schema.body).getBytes();
    }
    int status = schema.status < 0 || row.isNullAt(schema.status) ? 200 : row.getInt(schema.status);
    String[] names = null;
    String[] values = null;
    if (schema.headers >= 0 && !row.isNullAt(schema.headers)) {
      MapData map = row.getMap(schema.headers);
      names = strings(map.keyArray());
      values = strings(map.valueArray());
    }
    return new Reply(status, names, values, body, contentType, false);
  }

  private static String[] strings(ArrayData array) {
    String[] out = new String[array.numElements()];
    for (int i = 0; i < out.length; i++) {
      UTF8String value = array.isNullAt(i) ? null : array.getUTF8String(i);
      out[i] = value == null ? null : value.toString();
    }
    return out;
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
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(FORWARD_WAIT_SECONDS);
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
