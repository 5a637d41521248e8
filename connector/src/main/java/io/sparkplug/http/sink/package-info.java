/**
 * The sink: reply rows are checked against the reply contract when the query starts, then each row
 * is routed by its {@code id} to the connection waiting for it, as the row is written.
 */
package io.sparkplug.http.sink;
