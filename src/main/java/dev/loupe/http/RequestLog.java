package dev.loupe.http;

import dev.loupe.policy.Caller;
import io.javalin.http.Context;
import io.javalin.http.RequestLogger;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.ServletContextResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every answered request leaves behind, once its body is written: a count and a duration by method, route
 * template and status for {@code /metrics}, and (unless {@code [api] access_log} is off) one access log line with the
 * method, path, status, bytes, duration, request id and project.
 */
final class RequestLog implements RequestLogger {

    /** The access log's logger: operators can route or silence it by this name. */
    static final String LOGGER = "dev.loupe.access";

    private static final Logger ACCESS = LoggerFactory.getLogger(LOGGER);
    private static final Set<String> METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");
    private static final Duration[] BUCKETS = {
        Duration.ofMillis(1),
        Duration.ofMillis(2),
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofMillis(2500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        Duration.ofSeconds(30),
        Duration.ofSeconds(60),
        Duration.ofSeconds(300),
        Duration.ofSeconds(1800)
    };

    /** A route template and the paths it stands for, for requests no route took (refused before routing). */
    private record Template(String route, Pattern path) {}

    private final MeterRegistry registry;
    private final boolean accessLog;
    private final List<Template> templates;

    /** @param routes the route templates of this server ({@code /v2/tasks/{task_id}}), in Javalin's syntax */
    RequestLog(MeterRegistry registry, boolean accessLog, List<String> routes) {
        this.registry = registry;
        this.accessLog = accessLog;
        this.templates = routes.stream()
                .map(route -> new Template(route, Pattern.compile(route.replaceAll("\\{[^}/]+}", "[^/]+"))))
                .toList();
    }

    @Override
    public void handle(Context ctx, Float executionTimeMs) {
        String method = ctx.req().getMethod();
        int status = ctx.statusCode();
        long nanos = Math.round(executionTimeMs.doubleValue() * 1_000_000);
        Timer.builder("loupe.http.requests")
                .description("HTTP requests answered, by method, route template and status")
                .tag("method", METHODS.contains(method) ? method : "other")
                .tag("route", route(ctx))
                .tag("status", Integer.toString(status))
                .serviceLevelObjectives(BUCKETS)
                .register(registry)
                .record(Duration.ofNanos(nanos));
        if (!accessLog || !ACCESS.isInfoEnabled()) {
            return;
        }
        String query = ctx.queryString();
        String path = query == null ? ctx.path() : ctx.path() + "?" + query;
        long bytes = bytesWritten(ctx);
        String requestId = ctx.res().getHeader("x-openstack-request-id");
        Caller caller = Identity.of(ctx);
        String project = caller == null || caller.projectId() == null ? "-" : caller.projectId();
        long millis = Math.round(executionTimeMs.doubleValue());
        ACCESS.atInfo()
                .addKeyValue("method", method)
                .addKeyValue("path", path)
                .addKeyValue("status", status)
                .addKeyValue("bytes", bytes)
                .addKeyValue("duration_ms", millis)
                .addKeyValue("request_id", requestId == null ? "-" : requestId)
                .addKeyValue("project_id", project)
                .log(
                        "{} {} {} {} B {} ms {} project={}",
                        method,
                        path,
                        status,
                        bytes,
                        millis,
                        requestId == null ? "-" : requestId,
                        project);
    }

    /** The template of the route that answered, else of the route the path belongs to, else {@code unmatched}. */
    private String route(Context ctx) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        if (endpoint != null) {
            return endpoint.path;
        }
        String path = ctx.path();
        for (Template template : templates) {
            if (template.path().matcher(path).matches()) {
                return template.route();
            }
        }
        return "unmatched";
    }

    /** The body bytes written, as Jetty counted them; -1 when the response is not Jetty's own. */
    private static long bytesWritten(Context ctx) {
        try {
            ServletContextResponse response = ServletContextResponse.getServletContextResponse(ctx.res());
            return response == null ? -1 : response.getHttpOutput().getWritten();
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
