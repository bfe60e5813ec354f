package dev.loupe.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import dev.loupe.config.Config;
import dev.loupe.config.Options;
import dev.loupe.failure.LoupeException.BadConfiguration;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * The log as {@code [DEFAULT] debug}, {@code log_file} and {@code use_json} ask, oslo.log's options: the level of
 * Loupe's own loggers, where lines go (standard error or a file), and their format (text or JSON). Applied by the
 * commands once the configuration is read; before that, {@code logback.xml}'s text on standard error holds.
 */
final class Logging {

    /** The text format; {@code %ctx} is {@link LogContext}. The same as {@code logback.xml}'s. */
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX} %-5level [%thread] %logger{0}%ctx: %msg%n";

    private static final String APPENDER = "STDERR";

    private Logging() {}

    static void configure(Config config) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (config.get(Options.DEBUG)) {
            root.setLevel(Level.DEBUG);
        }
        String file = config.get(Options.LOG_FILE);
        boolean json = config.get(Options.USE_JSON);
        if (file.isEmpty() && !json) {
            return;
        }
        Encoder<ILoggingEvent> encoder;
        if (json) {
            encoder = new JsonLogEncoder();
        } else {
            PatternLayout layout = new PatternLayout();
            // %ctx is declared in logback.xml too; a context configured otherwise learns it here.
            layout.getInstanceConverterMap().put("ctx", LogContext::new);
            layout.setPattern(PATTERN);
            layout.setContext(context);
            layout.start();
            LayoutWrappingEncoder<ILoggingEvent> text = new LayoutWrappingEncoder<>();
            text.setLayout(layout);
            encoder = text;
        }
        encoder.setContext(context);
        encoder.start();
        OutputStreamAppender<ILoggingEvent> appender;
        if (file.isEmpty()) {
            ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
            console.setTarget("System.err");
            appender = console;
        } else {
            Path path = Path.of(file).toAbsolutePath();
            if (path.getParent() != null && !Files.isDirectory(path.getParent())) {
                throw new BadConfiguration("[DEFAULT] log_file: the folder of " + path + " does not exist");
            }
            FileAppender<ILoggingEvent> toFile = new FileAppender<>();
            toFile.setFile(path.toString());
            toFile.setAppend(true);
            appender = toFile;
        }
        appender.setName(APPENDER);
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.start();
        if (!appender.isStarted()) {
            throw new BadConfiguration("Cannot write the log to " + file);
        }
        root.detachAppender(APPENDER);
        root.addAppender(appender);
    }
}
