/**
 * Theme-park attraction recommender: photo ETL, ALS trainer, and an A/B-tested service ({@code
 * GET/POST /recommendations}) that logs every exposure.
 */
package io.sparkplug.examples.recommender;
