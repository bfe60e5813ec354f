package dev.loupe.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Records what this JVM logs at ERROR while it is open, for tests that assert a request was not treated as a
 * server failure: {@code try (LogCapture log = LogCapture.errors()) { ...; assertThat(log.events()).isEmpty(); }}.
 */
public final class LogCapture implements AutoCloseable {

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.ERROR)) {
                events.add(event.getLoggerName() + ": " + event.getFormattedMessage()
                        + (event.getThrowableProxy() == null
                                ? ""
                                : " " + event.getThrowableProxy().getClassName() + ": "
                                        + event.getThrowableProxy().getMessage()));
            }
        }
    };

    private LogCapture() {
        appender.setContext(root.getLoggerContext());
        appender.setName("log-capture-" + System.identityHashCode(this));
        appender.start();
        root.addAppender(appender);
    }

    public static LogCapture errors() {
        return new LogCapture();
    }

    /** The ERROR events so far, as "logger: message exception: its message". */
    public List<String> events() {
        return List.copyOf(events);
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
