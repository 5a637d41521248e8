/**
 * The source as Spark sees it, for both modes: the scan, the reader factory (every partition
 * creates its own reader), and what the modes' readers share: the request log with its offsets, the
 * micro-batch reader and the real-time reader base. Each mode's stream, offsets and partitions live
 * in {@code drivermode} and {@code executormode}.
 */
package io.sparkplug.http.source;
