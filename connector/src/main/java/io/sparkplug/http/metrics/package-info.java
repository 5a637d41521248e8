/**
 * Spark UI metrics of the source and the sink: one small class per metric, summed over the tasks of
 * a batch and shown on the batch's plan in the SQL tab.
 */
package io.sparkplug.http.metrics;
