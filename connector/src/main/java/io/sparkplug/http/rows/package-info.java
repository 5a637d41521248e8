/**
 * The row contracts: the request row every source produces ({@link RequestSchema}, {@link
 * RequestRows}) and the reply row both writers accept ({@link ReplySchema}, {@link ReplyRows}).
 */
package io.sparkplug.http.rows;
