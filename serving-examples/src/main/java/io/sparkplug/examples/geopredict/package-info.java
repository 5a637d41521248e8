/**
 * GeoPredict: frequent places and shopping trips mined from location pings with Spark SQL, served
 * as {@code POST /predict}, the likely next shop and its probability.
 */
package io.sparkplug.examples.geopredict;
