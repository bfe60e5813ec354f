package dev.loupe.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.failure.LoupeException.InvalidInput;
import dev.loupe.failure.LoupeException.NotFound;
import dev.loupe.image.Download;
import dev.loupe.image.Image;
import dev.loupe.image.ImageChange;
import dev.loupe.image.ImageImports;
import dev.loupe.image.ImageSchema;
import dev.loupe.image.ImageService;
import dev.loupe.image.RangeHeaders;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /v2/images}, {@code /v2/images/{image_id}}, its {@code /file}, {@code /tags/{tag}}, {@code /actions} and
 * {@code /tasks}, and the image schemas: the request read, the service asked, the answer written.
 */
final class ImageResource {

    private static final Logger LOG = LoggerFactory.getLogger(ImageResource.class);
    private static final int BUFFER_BYTES = 64 * 1024;

    static final String PATCH_V21 = "application/openstack-images-v2.1-json-patch";
    static final String PATCH_V20 = "application/openstack-images-v2.0-json-patch";
    private static final String OCTET_STREAM = "application/octet-stream";

    private final ImageService images;
    private final ImageImports imports;
    private final ImageSchema schema;
    private final ImageViews views;
    private final ObjectMapper json;
    private final JsonResponder out;
    private final RequestBody body;
    private final BaseUrl baseUrl;

    ImageResource(
            ImageService images,
            ImageImports imports,
            ImageSchema schema,
            ObjectMapper json,
            JsonResponder out,
            RequestBody body,
            BaseUrl baseUrl) {
        this.images = images;
        this.imports = imports;
        this.schema = schema;
        this.views = new ImageViews(json);
        this.json = json;
        this.out = out;
        this.body = body;
        this.baseUrl = baseUrl;
    }

    /** {@code POST /v2/images}: 201 with the queued image and its absolute Location. */
    void create(Context ctx) {
        Image image = images.create(Identity.of(ctx), body.read(ctx));
        ctx.header("Location", baseUrl.of(ctx) + "/v2/images/" + image.id());
        importMethodsHeader(ctx);
        out.send(ctx, 201, views.full(image));
    }

    /** Upstream names the import methods on the image it creates, when it offers any. */
    private void importMethodsHeader(Context ctx) {
        if (!imports.methods().isEmpty()) {
            ctx.header("OpenStack-image-import-methods", String.join(",", imports.methods()));
        }
    }

    /** {@code GET /v2/info/import}: the methods {@code [DEFAULT] enabled_import_methods} offers. */
    void importInfo(Context ctx) {
        rejectBody(ctx);
        ObjectNode methods = json.createObjectNode();
        ObjectNode about = methods.putObject("import-methods");
        about.put("description", "Import methods available.");
        about.put("type", "array");
        ArrayNode value = about.putArray("value");
        imports.methods().forEach(value::add);
        out.send(ctx, 200, methods);
    }

    /** {@code GET /v2/info/stores[/detail]}: upstream's 404 on a site without {@code enabled_backends}. */
    static void noStores(Context ctx) {
        throw new NotFound("Multi backend is not supported at this site.");
    }

    /** {@code PUT /v2/images/{id}/stage}: the body streamed to the staging area for a glance-direct import. */
    void stage(Context ctx) {
        imports.stage(
                Identity.of(ctx),
                ctx.pathParam("image_id"),
                imageData(ctx),
                ctx.req().getContentLengthLong());
        noContent(ctx);
    }

    /** {@code POST /v2/images/{id}/import}: 202 with no body once the import task is queued. */
    void importImage(Context ctx) {
        imports.importImage(Identity.of(ctx), ctx.pathParam("image_id"), body.read(ctx));
        ctx.status(202);
        ctx.res().setContentType(null);
    }

    /** {@code PATCH /v2/images/{id}} in either of upstream's JSON patch media types; any other is 415. */
    void update(Context ctx) {
        String type = mediaType(ctx);
        if (!type.equals(PATCH_V21) && !type.equals(PATCH_V20)) {
            throw HttpFailure.mediaTypeNotSupported(ctx.header("Content-Type"), PATCH_V20 + ", " + PATCH_V21);
        }
        List<ImageChange> changes = ImageChange.parse(body.read(ctx), type.equals(PATCH_V20));
        out.send(ctx, 200, views.full(images.update(Identity.of(ctx), ctx.pathParam("image_id"), changes)));
    }

    /** {@code PUT /v2/images/{id}/file}: the body streamed to the store, with or without a Content-Length. */
    void upload(Context ctx) {
        images.upload(
                Identity.of(ctx),
                ctx.pathParam("image_id"),
                imageData(ctx),
                ctx.req().getContentLengthLong());
        noContent(ctx);
    }

    /** The body of an upload or a stage: {@code application/octet-stream} only, streamed, never read whole. */
    private static InputStream imageData(Context ctx) {
        if (!mediaType(ctx).equals(OCTET_STREAM)) {
            throw HttpFailure.mediaTypeNotSupported(ctx.header("Content-Type"), null);
        }
        try {
            return ctx.req().getInputStream();
        } catch (IOException e) {
            throw HttpFailure.badRequest("The request body cannot be read: " + e.getMessage());
        }
    }

    void addTag(Context ctx) {
        images.addTag(Identity.of(ctx), ctx.pathParam("image_id"), ctx.pathParam("tag"));
        noContent(ctx);
    }

    void removeTag(Context ctx) {
        images.removeTag(Identity.of(ctx), ctx.pathParam("image_id"), ctx.pathParam("tag"));
        noContent(ctx);
    }

    void deactivate(Context ctx) {
        images.deactivate(Identity.of(ctx), ctx.pathParam("image_id"));
        noContent(ctx);
    }

    void reactivate(Context ctx) {
        images.reactivate(Identity.of(ctx), ctx.pathParam("image_id"));
        noContent(ctx);
    }

    /** The request's media type without parameters, lower-cased; empty when it names none. */
    private static String mediaType(Context ctx) {
        String header = ctx.header("Content-Type");
        return header == null ? "" : header.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    }

    void list(Context ctx) {
        List<Map.Entry<String, String>> params = QueryString.pairs(ctx.queryString());
        out.send(ctx, 200, views.list(images.list(Identity.of(ctx), params), QueryString.lastValues(params)));
    }

    void show(Context ctx) {
        rejectBody(ctx);
        out.send(ctx, 200, views.full(images.show(Identity.of(ctx), ctx.pathParam("image_id"))));
    }

    /** Raw task rows, serialized as upstream's default serializer does (non-ASCII escaped). */
    void tasks(Context ctx) {
        rejectBody(ctx);
        out.sendAscii(ctx, 200, views.tasks(images.tasks(Identity.of(ctx), ctx.pathParam("image_id"))));
    }

    void delete(Context ctx) {
        rejectBody(ctx);
        images.delete(Identity.of(ctx), ctx.pathParam("image_id"));
        noContent(ctx);
    }

    void imageSchema(Context ctx) {
        rejectBody(ctx);
        out.send(ctx, 200, schema.imageDocument());
    }

    void imagesSchema(Context ctx) {
        rejectBody(ctx);
        out.send(ctx, 200, schema.imagesDocument());
    }

    /**
     * The data, streamed from the store: 200 with {@code Content-MD5} for all of it, 206 with {@code Content-Range}
     * for a range, 204 when the image has no data (yet). The headers are checked after the image, as upstream's
     * serializer does.
     */
    void download(Context ctx) {
        rejectBody(ctx);
        Image image = images.downloadable(Identity.of(ctx), ctx.pathParam("image_id"));
        if (!ImageService.hasData(image)) {
            noContent(ctx);
            return;
        }
        Optional<Download> download =
                images.open(image, RangeHeaders.parse(ctx.header("Range"), ctx.header("Content-Range")));
        if (download.isEmpty()) {
            noContent(ctx);
            return;
        }
        stream(ctx, download.get());
    }

    /** 204 with no body and so no Content-Type (Javalin would otherwise add its default, text/plain). */
    private static void noContent(Context ctx) {
        ctx.status(204);
        ctx.res().setContentType(null);
    }

    private static void stream(Context ctx, Download download) {
        ctx.status(download.partial() ? 206 : 200);
        ctx.contentType("application/octet-stream");
        if (download.partial()) {
            ctx.header("Content-Range", "bytes " + download.offset() + "-" + download.last() + "/" + download.size());
        } else if (download.checksum() != null) {
            // The md5 of the whole image: it describes the body only when the body is the whole image.
            ctx.header("Content-MD5", download.checksum());
        }
        ctx.res().setContentLengthLong(download.length());
        long sent = 0;
        try (InputStream in = download.data()) {
            OutputStream body = ctx.res().getOutputStream();
            byte[] buffer = new byte[BUFFER_BYTES];
            int n;
            while ((n = in.read(buffer)) > 0) {
                body.write(buffer, 0, n);
                sent += n;
            }
            if (sent == download.length()) {
                body.close();
            } else {
                // Fewer bytes than announced: the response is left short, and the server closes the connection
                // instead of completing it, so the client cannot take it for the whole image.
                LOG.error(
                        "The store gave {} bytes of the {} expected at offset {}",
                        sent,
                        download.length(),
                        download.offset());
            }
        } catch (IOException e) {
            LOG.info("Download ended after {} of {} bytes: {}", sent, download.length(), e.toString());
        }
    }

    /** Upstream's body_reject routes: GET and DELETE refuse a request that carries a body. */
    private static void rejectBody(Context ctx) {
        if (ctx.req().getContentLengthLong() > 0) {
            throw new InvalidInput("A body is not expected with this request.");
        }
    }
}
