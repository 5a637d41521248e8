/**
 * {@code mode=driver}: one server on the driver. The stream logs its requests with increasing
 * offsets; each micro-batch ships its slice inside the partitions, and real-time readers take
 * requests from the driver's log (over the driver's internal endpoint when they run elsewhere).
 */
package io.sparkplug.http.source.drivermode;
