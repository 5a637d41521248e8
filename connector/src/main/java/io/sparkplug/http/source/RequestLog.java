package io.sparkplug.http.source;

import io.sparkplug.http.server.RequestRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Accepted requests in arrival order, kept until Spark commits the batch that read them. The record
 * at index {@code i} (counting every record ever appended) ends at offset {@code base + i + 1}.
 *
 * <p>Micro-batches read ranges of offsets ({@link #plan}), and a retried task reads its range
 * again, so those records stay until the commit; real-time readers take records one at a time as
 * they arrive ({@link #take}), and a taken record is let go at once. Either way a cursor marks what
 * has been handed to Spark, so a stopping source knows which requests will never reach the query.
 * Netty threads append; query and reader threads read and trim.
 */
public final class RequestLog implements Consumer<RequestRecord> {
  /** A record handed to a real-time reader, with the offset just after it. */
  public record Taken(RequestRecord record, long offset) {}

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private final ArrayList<RequestRecord> records = new ArrayList<>();

  /** Index of {@code records.get(head)}: records before it were committed and dropped. */
  private long firstIndex;

  private int head;
  private long appended;
  private long base;
  private boolean baseFixed;

  /** Records below this index have been handed to Spark. */
  private long cursor;

  private int waitingReaders;

  /** No more records will arrive: readers stop waiting once everything has been taken. */
  private boolean finished;

  @Override
  public void accept(RequestRecord record) {
    lock.lock();
    try {
      records.add(record);
      appended++;
      if (waitingReaders > 0) {
        arrived.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Lifts the base above the last offset a previous run logged, so that this run's offsets never
   * equal one of its own. Only honoured before the first offset is handed out.
   */
  public void startAbove(long latestSeen) {
    lock.lock();
    try {
      if (!baseFixed && latestSeen > base) {
        base = latestSeen;
      }
    } finally {
      lock.unlock();
    }
  }

  /** The offset before every record of this run. */
  public long start() {
    lock.lock();
    try {
      baseFixed = true;
      return base;
    } finally {
      lock.unlock();
    }
  }

  /** The offset after the newest record. */
  public long latest() {
    lock.lock();
    try {
      baseFixed = true;
      return base + appended;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Records in {@code (start, end]}, for a micro-batch being planned; ranges from a previous run or
   * already committed are empty.
   */
  public List<RequestRecord> plan(long start, long end) {
    lock.lock();
    try {
      cursor = Math.max(cursor, Math.min(end - base, appended));
      return range(Math.max(start - base, 0), end - base);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The next record no reader has taken yet, waiting up to {@code timeoutNanos} for one to arrive;
   * null when none came.
   */
  public Taken take(long timeoutNanos) throws InterruptedException {
    lock.lock();
    try {
      long left = timeoutNanos;
      while (cursor >= appended) {
        if (left <= 0 || finished) {
          return null;
        }
        waitingReaders++;
        try {
          left = arrived.awaitNanos(left);
        } finally {
          waitingReaders--;
        }
      }
      int slot = (int) (head + cursor - firstIndex);
      RequestRecord record = records.get(slot);
      // Nothing asks for a taken record again: a retried real-time task goes on from the cursor,
      // and micro-batches, which re-read ranges, never take. Keeping it until the commit would hold
      // a whole batch of requests (60 MB at 1,000/s with 60 s batches) live through every young
      // collection, which then copies them.
      records.set(slot, null);
      cursor++;
      return new Taken(record, base + cursor);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The service no longer accepts requests: wakes every waiting reader, and from now on a reader
   * that finds nothing left returns at once instead of waiting out its timeout, so a real-time
   * batch can end early and the query can stop between two batches.
   */
  public void finish() {
    lock.lock();
    try {
      finished = true;
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waits up to {@code timeoutNanos} for {@link #finish}; true once it was called. */
  public boolean awaitFinished(long timeoutNanos) throws InterruptedException {
    lock.lock();
    try {
      long left = timeoutNanos;
      while (!finished && left > 0) {
        left = arrived.awaitNanos(left);
      }
      return finished;
    } finally {
      lock.unlock();
    }
  }

  private List<RequestRecord> range(long fromIndex, long toIndex) {
    long from = Math.max(fromIndex, firstIndex);
    long to = Math.min(toIndex, appended);
    List<RequestRecord> slice = new ArrayList<>((int) Math.max(0, to - from));
    for (long i = from; i < to; i++) {
      slice.add(records.get((int) (head + i - firstIndex)));
    }
    return slice;
  }

  /** Drops records up to {@code end}: Spark will not ask for them again. */
  public void commit(long end) {
    lock.lock();
    try {
      long upTo = Math.min(Math.min(end - base, appended), cursor);
      while (firstIndex < upTo) {
        records.set(head++, null);
        firstIndex++;
      }
      if (head > 1024 && head > records.size() / 2) {
        records.subList(0, head).clear();
        head = 0;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Records not yet handed to Spark: on stop they will never reach the query. */
  public List<RequestRecord> unplanned() {
    lock.lock();
    try {
      return range(cursor, appended);
    } finally {
      lock.unlock();
    }
  }

  /**
   * When the oldest request Spark has not read yet arrived (microseconds since the epoch), or -1
   * when every request has been read.
   */
  public long oldestUnreadMicros() {
    lock.lock();
    try {
      return cursor >= appended
          ? -1
          : records.get((int) (head + cursor - firstIndex)).receivedAtMicros();
    } finally {
      lock.unlock();
    }
  }

  /** How many records the log still holds (taken ones are let go at once). */
  int retained() {
    lock.lock();
    try {
      int held = 0;
      for (int i = head; i < records.size(); i++) {
        held += records.get(i) == null ? 0 : 1;
      }
      return held;
    } finally {
      lock.unlock();
    }
  }

  /** How many accepted requests Spark has not read yet. */
  public long backlog() {
    lock.lock();
    try {
      return appended - cursor;
    } finally {
      lock.unlock();
    }
  }
}
