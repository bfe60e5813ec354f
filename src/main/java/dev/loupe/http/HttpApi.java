package dev.loupe.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.auth.Authenticator;
import dev.loupe.failure.LoupeException.BadConfiguration;
import dev.loupe.failure.LoupeException.NotFound;
import dev.loupe.image.ImageImports;
import dev.loupe.image.ImageSchema;
import dev.loupe.image.ImageService;
import dev.loupe.policy.Policy;
import dev.loupe.task.TaskSchema;
import dev.loupe.task.TaskService;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.util.JavalinBindException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.DispatcherType;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.FilterHolder;

/**
 * The HTTP face of Loupe: request ids, version negotiation, identity, routing, and the mapping of failures.
 * It only translates between HTTP and the services.
 */
public final class HttpApi {

    /** Each resource with the methods it answers; any other method gets 405 with this Allow list. */
    private record Resource(Pattern path, String allow) {}

    // Allow lists what Loupe answers, as upstream does for the same resources. /v2/images/{id}/tasks has no 405
    // upstream: other methods find no route (404); nor has an unknown action.
    private static final List<Resource> RESOURCES = List.of(
            new Resource(Pattern.compile("/v2/tasks"), "GET, POST"),
            new Resource(Pattern.compile("/v2/tasks/[^/]+"), "GET, DELETE"),
            new Resource(Pattern.compile("/v2/tasks/[^/]+/actions/cancel"), "POST"),
            new Resource(Pattern.compile("/v2/schemas/tasks?"), "GET"),
            new Resource(Pattern.compile("/v2/images"), "GET, POST"),
            new Resource(Pattern.compile("/v2/images/[^/]+"), "GET, DELETE, PATCH"),
            new Resource(Pattern.compile("/v2/images/[^/]+/file"), "GET, PUT"),
            new Resource(Pattern.compile("/v2/images/[^/]+/tags/[^/]+"), "PUT, DELETE"),
            new Resource(Pattern.compile("/v2/images/[^/]+/actions/(deactivate|reactivate)"), "POST"),
            new Resource(Pattern.compile("/v2/images/[^/]+/stage"), "PUT"),
            new Resource(Pattern.compile("/v2/images/[^/]+/import"), "POST"),
            new Resource(Pattern.compile("/v2/info/import"), "GET"),
            new Resource(Pattern.compile("/v2/schemas/images?"), "GET"));

    /** The routes of the API, as templates: the {@code route} label of the request metrics. */
    private static final List<String> API_ROUTES = List.of(
            "/",
            "/versions",
            "/healthcheck",
            "/metrics",
            "/v2/schemas/task",
            "/v2/schemas/tasks",
            "/v2/tasks",
            "/v2/tasks/{task_id}",
            "/v2/tasks/{task_id}/actions/cancel",
            "/v2/schemas/image",
            "/v2/schemas/images",
            "/v2/images",
            "/v2/images/{image_id}",
            "/v2/images/{image_id}/file",
            "/v2/images/{image_id}/tags/{tag}",
            "/v2/images/{image_id}/actions/deactivate",
            "/v2/images/{image_id}/actions/reactivate",
            "/v2/images/{image_id}/tasks",
            "/v2/images/{image_id}/stage",
            "/v2/images/{image_id}/import",
            "/v2/info/import",
            "/v2/info/stores",
            "/v2/info/stores/detail");

    private static final List<String> MONITORING_ROUTES = List.of("/healthcheck", "/metrics");

    private final Javalin app;
    private final String bindAddress;

    public HttpApi(
            HttpSettings settings,
            Authenticator authenticator,
            TaskService tasks,
            TaskSchema schema,
            ImageService images,
            ImageImports imports,
            ImageSchema imageSchema,
            Policy policy,
            ObjectMapper json,
            PrometheusMeterRegistry metrics,
            BooleanSupplier databaseReachable) {
        this.bindAddress = settings.bindHost() + ":" + settings.bindPort();
        ErrorResponder errors = new ErrorResponder(json);
        JsonResponder out = new JsonResponder(json);
        BaseUrl baseUrl = new BaseUrl(settings.publicEndpoint());
        Versions versions = new Versions(json, baseUrl);
        RequestBody body = new RequestBody(json, settings.maxBodyBytes());
        TaskResource taskResource = new TaskResource(tasks, json, body, out, baseUrl);
        ImageResource imageResource = new ImageResource(images, imports, imageSchema, json, out, body, baseUrl);
        this.app = javalin(settings, errors, metrics, API_ROUTES, c -> {
            c.jetty.modifyServletContextHandler(handler -> handler.addFilter(
                    new FilterHolder(new VersionNegotiation()), "/*", EnumSet.of(DispatcherType.REQUEST)));

            c.routes.before(ctx -> admit(ctx, authenticator, policy, versions, out, baseUrl));
            // Javalin tries a method's routes in the order they were added, a regular expression each unless the path
            // is equal: a show passed seven of them before its own (1 us). Show and list, most requests, come first.
            c.routes.get("/v2/tasks/{task_id}", taskResource::show);
            c.routes.get("/v2/tasks", taskResource::list);
            c.routes.get("/", ctx -> out.send(ctx, 300, versions.document(ctx)));
            c.routes.get("/versions", ctx -> out.send(ctx, 200, versions.document(ctx)));
            c.routes.get("/healthcheck", ctx -> health(ctx, databaseReachable.getAsBoolean()));
            c.routes.get("/metrics", ctx -> scrape(ctx, metrics));
            c.routes.get("/v2/schemas/task", ctx -> out.send(ctx, 200, schema.taskDocument()));
            c.routes.get("/v2/schemas/tasks", ctx -> out.send(ctx, 200, schema.tasksDocument()));
            c.routes.post("/v2/tasks", taskResource::create);
            c.routes.delete("/v2/tasks/{task_id}", taskResource::delete);
            c.routes.post("/v2/tasks/{task_id}/actions/cancel", taskResource::cancel);
            c.routes.get("/v2/schemas/image", imageResource::imageSchema);
            c.routes.get("/v2/schemas/images", imageResource::imagesSchema);
            c.routes.get("/v2/images", imageResource::list);
            c.routes.post("/v2/images", imageResource::create);
            c.routes.get("/v2/images/{image_id}", imageResource::show);
            c.routes.patch("/v2/images/{image_id}", imageResource::update);
            c.routes.delete("/v2/images/{image_id}", imageResource::delete);
            c.routes.get("/v2/images/{image_id}/file", imageResource::download);
            c.routes.put("/v2/images/{image_id}/file", imageResource::upload);
            c.routes.put("/v2/images/{image_id}/tags/{tag}", imageResource::addTag);
            c.routes.delete("/v2/images/{image_id}/tags/{tag}", imageResource::removeTag);
            c.routes.post("/v2/images/{image_id}/actions/deactivate", imageResource::deactivate);
            c.routes.post("/v2/images/{image_id}/actions/reactivate", imageResource::reactivate);
            c.routes.get("/v2/images/{image_id}/tasks", imageResource::tasks);
            c.routes.put("/v2/images/{image_id}/stage", imageResource::stage);
            c.routes.post("/v2/images/{image_id}/import", imageResource::importImage);
            c.routes.get("/v2/info/import", imageResource::importInfo);
            // One store: upstream's answer without enabled_backends, which tempest relies on.
            c.routes.get("/v2/info/stores", ImageResource::noStores);
            c.routes.get("/v2/info/stores/detail", ImageResource::noStores);
            // Javalin would answer HEAD from the GET handler; upstream refuses HEAD on these resources.
            for (String path : List.of(
                    "/v2/tasks",
                    "/v2/tasks/{task_id}",
                    "/v2/schemas/task",
                    "/v2/schemas/tasks",
                    "/v2/schemas/image",
                    "/v2/schemas/images",
                    "/v2/images",
                    "/v2/images/{image_id}",
                    "/v2/images/{image_id}/file",
                    "/v2/images/{image_id}/tasks",
                    "/v2/info/import")) {
                c.routes.head(path, ctx -> {
                    throw unrouted(ctx);
                });
            }
            c.routes.exception(Exception.class, errors::respond);
            c.routes.error(404, ctx -> {
                if (!errors.answered(ctx)) {
                    errors.respond(unrouted(ctx), ctx);
                }
            });
        });
    }

    private HttpApi(HttpSettings settings, Javalin app) {
        this.bindAddress = settings.bindHost() + ":" + settings.bindPort();
        this.app = app;
    }

    /**
     * What a worker-only node serves on its port: {@code /healthcheck} and {@code /metrics}, and 404 in Loupe's
     * error format for every other path.
     */
    public static HttpApi monitoring(
            HttpSettings settings,
            ObjectMapper json,
            PrometheusMeterRegistry metrics,
            BooleanSupplier databaseReachable) {
        ErrorResponder errors = new ErrorResponder(json);
        return new HttpApi(settings, javalin(settings, errors, metrics, MONITORING_ROUTES, c -> {
            c.routes.before(ctx -> {
                String requestId = RequestId.of(ctx.header(RequestId.HEADER));
                ctx.header("x-openstack-request-id", RequestId.header(requestId));
            });
            c.routes.get("/healthcheck", ctx -> health(ctx, databaseReachable.getAsBoolean()));
            c.routes.get("/metrics", ctx -> scrape(ctx, metrics));
            c.routes.exception(Exception.class, errors::respond);
            c.routes.error(404, ctx -> {
                if (!errors.answered(ctx)) {
                    errors.respond(new NotFound("The resource could not be found."), ctx);
                }
            });
        }));
    }

    /** A Javalin server as both kinds of Loupe port are: virtual threads, Loupe's errors, requests measured. */
    private static Javalin javalin(
            HttpSettings settings,
            ErrorResponder errors,
            PrometheusMeterRegistry metrics,
            List<String> routes,
            Consumer<JavalinConfig> more) {
        return Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.concurrency.useVirtualThreads = true;
            c.router.ignoreTrailingSlashes = false;
            c.router.treatMultipleSlashesAsSingleSlash = false;
            c.jetty.host = settings.bindHost();
            c.jetty.port = settings.bindPort();
            c.jetty.modifyServer(server -> {
                server.setStopTimeout(5_000);
                // Requests Jetty refuses before any handler runs (request line, headers, Content-Length).
                server.setErrorHandler(errors.jettyErrors());
            });
            c.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(errors.jettyErrors()));
            c.requestLogger.http(new RequestLog(metrics, settings.accessLog(), routes));
            more.accept(c);
        });
    }

    private static void scrape(Context ctx, PrometheusMeterRegistry metrics) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8");
        ctx.result(metrics.scrape().getBytes(StandardCharsets.UTF_8));
    }

    /** Listens; a port that cannot be had stops the start with one line that says which. */
    public HttpApi start() {
        try {
            app.start();
        } catch (JavalinBindException e) {
            throw new BadConfiguration("Cannot listen on " + bindAddress + ": "
                    + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()));
        }
        return this;
    }

    public int port() {
        return app.port();
    }

    public void stop() {
        app.stop();
    }

    /**
     * Runs before routing (after {@link VersionNegotiation}), in upstream's middleware order: request id, the
     * versions document with 300 for paths under no version, then identity for everything under {@code /v2}, and
     * the router's redirect of {@code /v2} to {@code /v2/}.
     */
    private static void admit(
            Context ctx,
            Authenticator authenticator,
            Policy policy,
            Versions versions,
            JsonResponder out,
            BaseUrl baseUrl) {
        String given = ctx.header(RequestId.HEADER);
        // An id over the limit is refused and never echoed: the answer carries a new one.
        String requestId = RequestId.of(given);
        ctx.header("x-openstack-request-id", RequestId.header(requestId));
        if (RequestId.tooLong(given)) {
            throw HttpFailure.requestIdTooLong(RequestId.MAX_LENGTH);
        }
        requireDecodablePath(ctx.path());
        String first = VersionNegotiation.firstSegment(ctx.path());
        if (first.equals("versions") || first.equals("healthcheck") || first.equals("metrics") || first.isEmpty()) {
            return;
        }
        if (!first.equals("v2")) {
            out.send(ctx, 300, versions.document(ctx));
            ctx.skipRemainingHandlers();
            return;
        }
        Identity.authenticate(ctx, requestId, authenticator, policy);
        if (ctx.path().equals("/v2")) {
            // Upstream's router redirects the empty path under /v2 for every method, with no body.
            ctx.status(302);
            ctx.header("Location", baseUrl.of(ctx) + "/v2/");
            ctx.contentType("text/plain; charset=UTF-8");
            ctx.result(new byte[0]);
            ctx.skipRemainingHandlers();
        }
    }

    /** Javalin decodes path parameters with {@link URLDecoder}; a path it cannot decode is the client's fault. */
    private static void requireDecodablePath(String path) {
        if (path.indexOf('%') < 0) {
            return;
        }
        try {
            URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw HttpFailure.brokenEscape();
        }
    }

    /** As oslo's healthcheck answers: 200 OK, or 503 with the reason when this node cannot do its work. */
    private static void health(Context ctx, boolean databaseReachable) {
        ctx.contentType("text/plain; charset=UTF-8");
        ctx.status(databaseReachable ? 200 : 503);
        ctx.result((databaseReachable ? "OK" : "The database cannot be reached").getBytes(StandardCharsets.UTF_8));
    }

    /** A request no route takes: upstream's 405 (with Allow) on a known path, 404 anywhere else. */
    private static RuntimeException unrouted(Context ctx) {
        for (Resource resource : RESOURCES) {
            if (resource.path().matcher(ctx.path()).matches()) {
                return HttpFailure.methodNotAllowed(ctx.req().getMethod(), resource.allow());
            }
        }
        return new NotFound("The resource could not be found.");
    }
}
