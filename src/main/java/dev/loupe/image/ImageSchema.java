package dev.loupe.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The image schema documents Glance 25.1 serves ({@code GET /v2/schemas/image} and {@code /v2/schemas/images}),
 * as its packaged server answers them: the base properties, the custom properties of the packaged
 * {@code schema-image.json}, {@code additionalProperties: {"type": "string"}} and the links. python-glanceclient
 * builds its image commands from the first.
 */
public final class ImageSchema {

    private final JsonNode imageDocument;
    private final JsonNode imagesDocument;

    public ImageSchema(ObjectMapper json) {
        this.imageDocument = read(json, "/schemas/image.json");
        this.imagesDocument = read(json, "/schemas/images.json");
    }

    private static JsonNode read(ObjectMapper json, String resource) {
        try (InputStream in = ImageSchema.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return json.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JsonNode imageDocument() {
        return imageDocument;
    }

    public JsonNode imagesDocument() {
        return imagesDocument;
    }
}
