/**
 * The Netty HTTP server: the pipeline of a connection (request checks, body gathering, responses in
 * request order), the limits that protect it, the table of requests awaiting replies, the server's
 * own health and metrics endpoints, and the services (one per source) that share a port.
 */
package io.sparkplug.http.server;
