/**
 * SparkPlug HTTP: the {@code sparkplug-http} Structured Streaming source and sink. The provider and
 * the table are the entry points, {@link io.sparkplug.http.SparkPlugHttp} the helpers for jobs; the
 * sub-packages hold the options ({@code config}), the Netty server ({@code server}), the source of
 * both modes ({@code source} and its {@code drivermode} and {@code executormode}), the executor
 * runtime ({@code executor}), the row contracts ({@code rows}), the sink ({@code sink}), reply
 * dispatch ({@code reply}), what crosses JVMs ({@code cluster}) and the Spark UI metrics.
 */
package io.sparkplug.http;
