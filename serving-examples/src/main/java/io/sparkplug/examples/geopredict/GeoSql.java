package io.sparkplug.examples.geopredict;

/**
 * SQL snippets shared by the miner and the service, so both measure distance and name time slots
 * the same way. (A SQL function would be neater, but Spark does not allow SQL functions inside the
 * lambdas of {@code transform} and {@code filter}.)
 */
final class GeoSql {
  private GeoSql() {}

  /** Great-circle distance in metres between two points given in degrees (haversine). */
  static String distance(String lat1, String lon1, String lat2, String lon2) {
    return String.format(
        "(12742000 * asin(sqrt(pow(sin(radians(%3$s - %1$s) / 2), 2)"
            + " + cos(radians(%1$s)) * cos(radians(%3$s)) * pow(sin(radians(%4$s - %2$s) / 2), 2))))",
        lat1, lon1, lat2, lon2);
  }

  /** The time slot of a timestamp, such as {@code weekday evening} (times in UTC). */
  static String slot(String time) {
    return String.format(
        "concat(CASE WHEN dayofweek(%1$s) IN (1, 7) THEN 'weekend' ELSE 'weekday' END, ' ',"
            + " CASE WHEN hour(%1$s) < 12 THEN 'morning' WHEN hour(%1$s) < 17 THEN 'afternoon'"
            + " ELSE 'evening' END)",
        time);
  }
}
