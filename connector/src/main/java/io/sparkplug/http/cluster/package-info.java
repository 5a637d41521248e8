/**
 * What crosses JVMs: the per-source secret, the routes to other JVMs' services, replies forwarded
 * to the JVM that holds their client, and the executor servers of {@code mode=executor} with the
 * driver's directory of them.
 */
package io.sparkplug.http.cluster;
