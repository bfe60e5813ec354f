package dev.loupe.cli;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.List;
import java.util.Map;

/**
 * {@code %ctx} in a log pattern: the context of the line in brackets, keys in a fixed order, e.g.
 * {@code  [task_id=… project_id=… request_id=req-… source_host=…]}; nothing when the line has none.
 */
public final class LogContext extends ClassicConverter {

    /** The MDC keys Loupe sets, in the order lines show them; any other key follows. */
    static final List<String> KEYS = List.of("task_id", "project_id", "request_id", "source_host");

    @Override
    public String convert(ILoggingEvent event) {
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc == null || mdc.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder(" [");
        for (String key : KEYS) {
            append(out, key, mdc.get(key));
        }
        mdc.forEach((key, value) -> {
            if (!KEYS.contains(key)) {
                append(out, key, value);
            }
        });
        return out.append(']').toString();
    }

    private static void append(StringBuilder out, String key, String value) {
        if (value == null) {
            return;
        }
        if (out.length() > 2) {
            out.append(' ');
        }
        out.append(key).append('=').append(value);
    }
}
