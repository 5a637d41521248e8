/**
 * The sink, as a format and as a {@code foreach} writer: reply rows are checked against the reply
 * contract, then each reply is sent by its {@code id}, as its row is written, to the connection
 * waiting for it: in this JVM, or forwarded to the JVM that holds it.
 */
package io.sparkplug.http.sink;
