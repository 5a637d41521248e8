/**
 * Typed, validated connector options. Each option is read once, checked, and rejected with a
 * message that names the option and the bad value.
 */
package io.sparkplug.http.config;
