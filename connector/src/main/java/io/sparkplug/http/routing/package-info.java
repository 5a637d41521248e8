/**
 * Correlation ids and reply delivery: an id names the service instance that holds the client's
 * connection, and a reply is handed to that instance.
 */
package io.sparkplug.http.routing;
