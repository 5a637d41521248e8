package io.sparkplug.http.source.executormode;

import io.sparkplug.http.executor.ExecutorServer;
import io.sparkplug.http.executor.ExecutorServers;
import io.sparkplug.http.source.RealTimeReader;
import io.sparkplug.http.source.RequestLog;
import org.apache.spark.sql.connector.read.streaming.PartitionOffset;

/**
 * A real-time reader in executor mode: serves the requests of the executor it runs on, the moment
 * each arrives. The first reader on an executor takes them; should Spark place a second reader of
 * the same batch there, it waits out its timeouts without reading.
 */
final class ExecutorRealTimeReader extends RealTimeReader {
  private final ExecutorServer server;
  private final boolean reading;

  ExecutorRealTimeReader(ExecutorRealTimePartition partition) {
    this(ExecutorServers.ensure(partition.context()), partition);
  }

  private ExecutorRealTimeReader(ExecutorServer server, ExecutorRealTimePartition partition) {
    super(partition.start().getOrDefault(server.instance(), 0L), partition.endEarlyMillis());
    this.server = server;
    this.reading = server.claimRealTime();
    if (reading) {
      server.log().commit(offset);
    }
  }

  @Override
  protected RequestLog.Taken take(long timeoutNanos) throws InterruptedException {
    if (!reading) {
      server.log().awaitFinished(timeoutNanos);
      return null;
    }
    return server.log().take(timeoutNanos);
  }

  @Override
  public PartitionOffset getOffset() {
    return new ExecutorPartitionOffset(reading ? server.instance() : null, offset);
  }

  @Override
  public void close() {
    if (reading) {
      server.releaseRealTime();
    }
  }
}
