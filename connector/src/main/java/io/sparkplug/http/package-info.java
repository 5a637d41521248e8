/**
 * SparkPlug HTTP: the {@code sparkplug-http} Structured Streaming source and sink. The provider and
 * the table are the entry points; the sub-packages hold the options, server, source, sink and reply
 * routing.
 */
package io.sparkplug.http;
