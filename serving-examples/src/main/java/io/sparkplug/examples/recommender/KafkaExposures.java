package io.sparkplug.examples.recommender;

import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The exposures' Kafka side: one producer per JVM (an executor) and broker list, shared by every
 * task, so sending is a hand-over to the producer's buffer. The only class of the recommender that
 * names Kafka classes: without {@code KAFKA_BOOTSTRAP_SERVERS} it is never loaded, and {@code
 * kafka-clients} (which comes with {@code spark-sql-kafka-0-10}) need not be on the classpath.
 */
final class KafkaExposures {
  private static final String PRODUCER_CLASS = "org.apache.kafka.clients.producer.KafkaProducer";
  private static final ConcurrentHashMap<String, KafkaProducer<String, String>> PRODUCERS =
      new ConcurrentHashMap<>();
  private static final AtomicLong FAILED = new AtomicLong();

  private final KafkaProducer<String, String> producer;
  private final String topic;

  private KafkaExposures(KafkaProducer<String, String> producer, String topic) {
    this.producer = producer;
    this.topic = topic;
  }

  /** Fails at start, with what to do, when Kafka is asked for but its client is missing. */
  static void requireClient() {
    try {
      Class.forName(PRODUCER_CLASS, false, KafkaExposures.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "KAFKA_BOOTSTRAP_SERVERS is set but spark-sql-kafka-0-10 (with kafka-clients) is not on"
              + " the classpath; add it (spark-submit --packages or --jars) or unset the variable",
          e);
    }
  }

  static KafkaExposures of(String servers, String topic) {
    return new KafkaExposures(PRODUCERS.computeIfAbsent(servers, KafkaExposures::producer), topic);
  }

  private static KafkaProducer<String, String> producer(String servers) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "recommender-exposures");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    // Instances rather than class names: no lookup through the task's class loader.
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  /** Hands one exposure to the producer; a failed send is reported on stderr. */
  void send(String key, String value) {
    try {
      producer.send(
          new ProducerRecord<>(topic, key, value),
          (metadata, error) -> {
            if (error != null) {
              failed(error);
            }
          });
    } catch (RuntimeException e) { // the producer refused it at once (closed, interrupted, ...)
      failed(e);
    }
  }

  private void failed(Exception error) {
    long failed = FAILED.incrementAndGet();
    if (failed % 1000 == 1) { // the first, then every thousandth
      System.err.println(
          "recommender: " + failed + " exposures not sent to " + topic + ": " + error);
    }
  }

  /** Waits until every exposure handed over so far is acknowledged (or failed). */
  void flush() {
    producer.flush();
  }
}
