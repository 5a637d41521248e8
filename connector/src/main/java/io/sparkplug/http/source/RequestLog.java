package io.sparkplug.http.source;

import io.sparkplug.http.server.RequestRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Accepted requests in arrival order, kept until Spark commits the batch that read them. The record
 * at index {@code i} (counting every record ever appended) ends at offset {@code base + i + 1}.
 * Netty threads append; the query thread reads and trims.
 */
final class RequestLog implements Consumer<RequestRecord> {
  private final ArrayList<RequestRecord> records = new ArrayList<>();

  /** Index of {@code records.get(head)}: records before it were committed and dropped. */
  private long firstIndex;

  private int head;
  private long appended;
  private long base;
  private boolean baseFixed;
  private long plannedEnd;

  @Override
  public synchronized void accept(RequestRecord record) {
    records.add(record);
    appended++;
  }

  /**
   * Lifts the base above the last offset a previous run logged, so that this run's offsets never
   * equal one of its own. Only honoured before the first offset is handed out.
   */
  synchronized void startAbove(long latestSeen) {
    if (!baseFixed && latestSeen > base) {
      base = latestSeen;
    }
  }

  /** The offset before every record of this run. */
  synchronized long start() {
    baseFixed = true;
    return base;
  }

  /** The offset after the newest record. */
  synchronized long latest() {
    baseFixed = true;
    return base + appended;
  }

  /**
   * Records in {@code (start, end]}, for a batch being planned; ranges from a previous run or
   * already committed are empty.
   */
  synchronized List<RequestRecord> plan(long start, long end) {
    plannedEnd = Math.max(plannedEnd, end);
    return range(start, end);
  }

  private List<RequestRecord> range(long start, long end) {
    long from = Math.max(start - base, firstIndex);
    long to = Math.min(end - base, appended);
    List<RequestRecord> slice = new ArrayList<>((int) Math.max(0, to - from));
    for (long i = from; i < to; i++) {
      slice.add(records.get((int) (head + i - firstIndex)));
    }
    return slice;
  }

  /** Drops records up to {@code end}: Spark will not ask for them again. */
  synchronized void commit(long end) {
    long upTo = Math.min(end - base, appended);
    while (firstIndex < upTo) {
      records.set(head++, null);
      firstIndex++;
    }
    if (head > 1024 && head > records.size() / 2) {
      records.subList(0, head).clear();
      head = 0;
    }
  }

  /** Records no batch has been planned for yet: on stop they will never reach the query. */
  synchronized List<RequestRecord> unplanned() {
    return range(Math.max(plannedEnd, base), base + appended);
  }

  synchronized long backlog() {
    return base + appended - Math.max(plannedEnd, base);
  }
}
