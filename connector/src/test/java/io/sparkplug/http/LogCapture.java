package io.sparkplug.http;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Every log event at WARN or above, from every logger of this JVM, while it is open: for tests that
 * a stop logs no ERROR or that a setting draws a WARN.
 */
final class LogCapture extends AbstractAppender implements AutoCloseable {
  /** One event, kept as text: the logger's name, the level and the formatted message. */
  record Line(String logger, Level level, String message, String thrown) {
    @Override
    public String toString() {
      return level + " " + logger + ": " + message + (thrown == null ? "" : " (" + thrown + ")");
    }
  }

  private final List<Line> lines = new CopyOnWriteArrayList<>();
  private final LoggerConfig root;

  private LogCapture() {
    this(Level.WARN);
  }

  private LogCapture(Level level) {
    super("capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    Configuration config = context.getConfiguration();
    this.root = config.getRootLogger();
    start();
    root.addAppender(this, level, null);
    context.updateLoggers();
  }

  static LogCapture open() {
    return new LogCapture();
  }

  /**
   * Every event at {@code level} or above. Only the appender's threshold changes: loggers whose
   * configured level is higher still drop the event before it gets here.
   */
  static LogCapture open(Level level) {
    return new LogCapture(level);
  }

  @Override
  public void append(LogEvent event) {
    lines.add(
        new Line(
            event.getLoggerName(),
            event.getLevel(),
            event.getMessage().getFormattedMessage(),
            event.getThrown() == null ? null : event.getThrown().toString()));
  }

  List<Line> atLeast(Level level) {
    return lines.stream().filter(line -> line.level().isMoreSpecificThan(level)).toList();
  }

  List<Line> containing(String text) {
    return lines.stream().filter(line -> line.message().contains(text)).toList();
  }

  @Override
  public void close() {
    root.removeAppender(getName());
    ((LoggerContext) LogManager.getContext(false)).updateLoggers();
    stop();
  }
}
