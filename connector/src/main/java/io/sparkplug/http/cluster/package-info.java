/**
 * What crosses JVMs: the per-source secret, {@link io.sparkplug.http.cluster.JvmAddress}es (the
 * internal endpoint of the JVM that holds a service instance) and the ones this JVM knows, the
 * internal endpoint with its client, paths and wire format, and replies forwarded to the JVM that
 * holds their client.
 */
package io.sparkplug.http.cluster;
