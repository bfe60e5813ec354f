package dev.loupe.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Set;
import org.slf4j.event.KeyValuePair;

/**
 * {@code [DEFAULT] use_json}: one JSON object per line, with {@code time} (UTC, ISO 8601), {@code level},
 * {@code logger}, {@code thread}, {@code message}, the line's context (MDC: {@code task_id}, {@code project_id},
 * {@code request_id}, {@code source_host}) and key-value pairs (an access line's {@code method}, {@code status}, …)
 * as fields of their own, and {@code exception} with the stack trace when there is one.
 */
public final class JsonLogEncoder extends EncoderBase<ILoggingEvent> {

    private static final byte[] NONE = new byte[0];
    private static final Set<String> RESERVED = Set.of("time", "level", "logger", "thread", "message", "exception");

    private final JsonFactory factory = new JsonFactory();

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = factory.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField(
                    "time", DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(event.getTimeStamp())));
            json.writeStringField("level", event.getLevel().toString());
            json.writeStringField("logger", event.getLoggerName());
            json.writeStringField("thread", event.getThreadName());
            json.writeStringField("message", event.getFormattedMessage());
            Map<String, String> mdc = event.getMDCPropertyMap();
            if (mdc != null) {
                for (Map.Entry<String, String> entry : mdc.entrySet()) {
                    if (!RESERVED.contains(entry.getKey())) {
                        json.writeStringField(entry.getKey(), entry.getValue());
                    }
                }
            }
            if (event.getKeyValuePairs() != null) {
                for (KeyValuePair pair : event.getKeyValuePairs()) {
                    if (RESERVED.contains(pair.key) || mdc != null && mdc.containsKey(pair.key)) {
                        continue;
                    }
                    json.writeFieldName(pair.key);
                    switch (pair.value) {
                        case null -> json.writeNull();
                        case Integer i -> json.writeNumber(i);
                        case Long l -> json.writeNumber(l);
                        case Boolean b -> json.writeBoolean(b);
                        default -> json.writeString(pair.value.toString());
                    }
                }
            }
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                json.writeStringField("exception", ThrowableProxyUtil.asString(thrown));
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }
}
