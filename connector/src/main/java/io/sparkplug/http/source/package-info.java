/**
 * The micro-batch source: requests accepted by the server are logged with increasing offsets and
 * handed to Spark as request rows inside input partitions.
 */
package io.sparkplug.http.source;
