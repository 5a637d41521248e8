/**
 * What the example services share: settings from the environment, versioned feeds of snapshots, and
 * the Spark session, source and lifecycle of a serving job.
 */
package io.sparkplug.examples.common;
