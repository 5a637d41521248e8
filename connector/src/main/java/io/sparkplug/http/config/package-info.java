/**
 * Typed, validated connector options, each key a {@code _CONFIG} constant beside its {@code
 * _DEFAULT}. Each option is read once, checked, and rejected with a message that names the option
 * and the bad value.
 */
package io.sparkplug.http.config;
