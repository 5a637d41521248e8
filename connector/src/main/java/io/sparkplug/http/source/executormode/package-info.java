/**
 * {@code mode=executor}, the driver's side: the stream, the directory of executor servers, offsets
 * per server, and the partitions placed on each executor. No request or reply passes through here.
 */
package io.sparkplug.http.source.executormode;
