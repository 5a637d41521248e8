/**
 * The Netty HTTP server: connection handling, limits, the table of requests awaiting replies, and
 * the services (one per source) that share a port.
 */
package io.sparkplug.http.server;
