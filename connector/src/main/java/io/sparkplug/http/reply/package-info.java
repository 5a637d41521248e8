/**
 * Correlation ids and in-JVM reply dispatch: an id names the service instance that holds the
 * client's connection, and {@link io.sparkplug.http.reply.ReplyDispatcher} hands a reply to that
 * instance when it lives in this JVM.
 */
package io.sparkplug.http.reply;
