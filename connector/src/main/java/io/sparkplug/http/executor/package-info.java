/**
 * What runs in an executor JVM for {@code mode=executor}, for the whole JVM: one server per running
 * source (its HTTP service, request log, internal endpoint and status reports to the driver), and
 * the reads of a server's requests by the tasks of that executor or of another.
 */
package io.sparkplug.http.executor;
