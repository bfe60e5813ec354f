package dev.loupe.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.Loupe;
import dev.loupe.Role;
import dev.loupe.compat.Isotime;
import dev.loupe.compat.PythonJson;
import dev.loupe.config.Config;
import dev.loupe.db.Database;
import dev.loupe.task.Task;
import dev.loupe.task.TaskRowMapper;
import dev.loupe.task.TaskType;
import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.TaskRows;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine in this JVM behind the real HTTP API: a task's life as its view shows it, and how it ends. */
class TaskEngineIT {

    private static final Map<String, String> ADMIN = Client.ADMIN_A;
    private static final String FAST_POLL = "task.poll_interval=0.2";

    @TempDir
    Path dir;

    /** Counts runs per task and answers with a fixed result once released. */
    static final class GatedHandler implements TaskHandler {
        final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final JsonNode result;

        GatedHandler(JsonNode result) {
            this.result = result;
        }

        @Override
        public JsonNode run(TaskRun run) throws InterruptedException {
            runs.computeIfAbsent(run.task().id(), k -> new AtomicInteger()).incrementAndGet();
            entered.countDown();
            if (!release.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the handler");
            }
            return result;
        }

        @Override
        public boolean safeToRetry() {
            return true;
        }
    }

    /** A handler that does whatever the test says, counting its runs. */
    record Scripted(Map<String, AtomicInteger> runs, Behaviour behaviour) implements TaskHandler {
        interface Behaviour {
            JsonNode run(TaskRun run) throws Exception;
        }

        Scripted(Behaviour behaviour) {
            this(new ConcurrentHashMap<>(), behaviour);
        }

        @Override
        public JsonNode run(TaskRun run) throws Exception {
            runs.computeIfAbsent(run.task().id(), k -> new AtomicInteger()).incrementAndGet();
            return behaviour.run(run);
        }

        @Override
        public boolean safeToRetry() {
            return true;
        }
    }

    static UnaryOperator<Handlers> importsRunBy(TaskHandler handler) {
        return handlers -> handlers.with(TaskType.IMPORT, handler);
    }

    /** The engine's store on the database, as a server makes it. */
    static EngineStore store(Database database) {
        return new SqlEngineStore(database, new TaskRowMapper(PythonJson.mapper()), 0);
    }

    /**
     * An engine on the store whose imports the handler runs, not started: it claims only when the test calls
     * {@link TaskEngine#runOnce()}, or once the test starts it.
     */
    TaskEngine engine(EngineStore store, TaskHandler handler, String... settings) {
        List<String> all = new ArrayList<>(List.of(FAST_POLL));
        all.addAll(List.of(settings));
        return new TaskEngine(
                store,
                importsRunBy(handler).apply(Handlers.none()),
                EngineSettings.from(Config.load(null, all, dir)),
                "node-test",
                Clock.systemUTC(),
                new SimpleMeterRegistry());
    }

    @Test
    void aTaskIsClaimedOnceAndGoesPendingProcessingSuccessWithTheHandlersResult() throws Exception {
        ObjectNode result =
                JsonNodeFactory.instance.objectNode().put("image_id", "img-42").put("size", 1234);
        result.putArray("checks").add("sha256");
        GatedHandler handler = new GatedHandler(result);
        try (LoupeServer server = LoupeServer.withWorkers(dir, importsRunBy(handler), FAST_POLL)) {
            Client client = server.client();
            JsonNode created = client.createImportTask(ADMIN);
            String id = created.get("id").textValue();
            assertThat(created.get("status").textValue()).isEqualTo("pending");
            assertThat(created.has("expires_at")).isFalse();

            assertThat(handler.entered.await(10, TimeUnit.SECONDS))
                    .as("the handler started")
                    .isTrue();
            JsonNode processing = client.show(id, ADMIN);
            assertThat(processing.get("status").textValue()).isEqualTo("processing");
            assertThat(processing.has("expires_at"))
                    .as("no expiry while processing")
                    .isFalse();
            assertThat(processing.get("result").isNull()).isTrue();
            TaskRows.Row running = new TaskRows(dir).row(id);
            assertThat(running.leaseOwner()).isNotNull();
            assertThat(running.leaseExpiresAt()).isNotNull();
            assertThat(running.attempts()).isEqualTo(1);

            handler.release.countDown();
            JsonNode done = client.awaitStatus(id, ADMIN, "success", Duration.ofSeconds(10));
            assertThat(done.get("result")).isEqualTo(result);
            assertThat(done.get("message").textValue()).isEmpty();
            assertThat(done.has("expires_at")).isTrue();
            Instant updated = Isotime.parse(done.get("updated_at").textValue()).orElseThrow();
            Instant expires = Isotime.parse(done.get("expires_at").textValue()).orElseThrow();
            assertThat(Duration.between(updated, expires))
                    .as("default task_time_to_live")
                    .isEqualTo(Duration.ofHours(48));

            // a claim round now finds nothing to run: nobody runs it again
            assertThat(server.engine().orElseThrow().runOnce())
                    .as("tasks claimed by a further round")
                    .isZero();
            assertThat(handler.runs).containsOnlyKeys(id);
            assertThat(handler.runs.get(id).get()).isEqualTo(1);
            TaskRows.Row row = new TaskRows(dir).row(id);
            assertThat(row.status()).isEqualTo("success");
            assertThat(row.attempts()).isEqualTo(1);
            assertThat(row.leaseOwner()).as("a finished task has no lease").isNull();
            assertThat(row.leaseExpiresAt()).isNull();
            assertThat(client.show(id, ADMIN)).isEqualTo(done);
        }
    }

    @Test
    void aTaskFailureBecomesTheTasksMessage() throws Exception {
        Scripted handler = new Scripted(run -> {
            throw new TaskFailure("x");
        });
        try (LoupeServer server = LoupeServer.withWorkers(dir, importsRunBy(handler), FAST_POLL)) {
            Client client = server.client();
            String id = client.createImportTask(ADMIN).get("id").textValue();
            JsonNode failed = client.awaitStatus(id, ADMIN, "failure", Duration.ofSeconds(10));
            assertThat(failed.get("message").textValue()).isEqualTo("x");
            assertThat(failed.get("result").isNull()).isTrue();
            assertThat(failed.has("expires_at")).isTrue();
            assertThat(server.engine().orElseThrow().runOnce())
                    .as("tasks claimed by a further round")
                    .isZero();
            assertThat(handler.runs().get(id).get())
                    .as("a failed task is not retried")
                    .isEqualTo(1);
            assertThat(new TaskRows(dir).row(id).leaseOwner()).isNull();
        }
    }

    @Test
    void anUnexpectedExceptionFailsTheTaskWithAMessageNamingTheError() throws Exception {
        Scripted handler = new Scripted(run -> {
            throw new IllegalStateException("disk on fire");
        });
        Scripted checked = new Scripted(run -> {
            throw new java.io.IOException("connection reset by peer");
        });
        try (LoupeServer server = LoupeServer.withWorkers(dir, importsRunBy(handler), FAST_POLL)) {
            Client client = server.client();
            String id = client.createImportTask(ADMIN).get("id").textValue();
            JsonNode failed = client.awaitStatus(id, ADMIN, "failure", Duration.ofSeconds(10));
            assertThat(failed.get("message").textValue())
                    .contains("IllegalStateException")
                    .contains(id)
                    .doesNotContain("disk on fire");
            assertThat(failed.has("expires_at")).isTrue();
            HttpResponse<String> listed = client.get("/v2/tasks", ADMIN);
            assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
            assertThat(listed.body()).contains(id);
            assertThat(server.engine().orElseThrow().runOnce())
                    .as("tasks claimed by a further round")
                    .isZero();
            assertThat(handler.runs().get(id).get()).isEqualTo(1);
        }
        try (LoupeServer server = LoupeServer.withWorkers(dir.resolve("checked"), importsRunBy(checked), FAST_POLL)) {
            Client client = server.client();
            String id = client.createImportTask(ADMIN).get("id").textValue();
            JsonNode failed = client.awaitStatus(id, ADMIN, "failure", Duration.ofSeconds(10));
            assertThat(failed.get("message").textValue())
                    .contains("IOException")
                    .doesNotContain("connection reset by peer");
        }
    }

    @Test
    void handMadeImageImportApiTasksFailAtOnceSayingHowSuchTasksAreMade() {
        try (LoupeServer server = LoupeServer.withWorkers(dir, UnaryOperator.identity(), FAST_POLL)) {
            Client client = server.client();
            HttpResponse<String> created = client.post("/v2/tasks", ADMIN, """
                    {"type": "api_image_import", "input": {"image_id": "x"}}""");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            String id = Client.json(created).get("id").textValue();
            JsonNode failed = client.awaitStatus(id, ADMIN, "failure", Duration.ofSeconds(10));
            assertThat(failed.get("message").textValue())
                    .isEqualTo("api_image_import tasks are made by POST /v2/images/{image_id}/import (the"
                            + " interoperable image import); one created through the Tasks API holds no image and"
                            + " cannot run.");
        }
    }

    @Test
    void metricsShowPickupAndFinishedTasksWithoutAuthentication() {
        Scripted ok = new Scripted(run -> null);
        try (LoupeServer server = LoupeServer.withWorkers(dir, importsRunBy(ok), FAST_POLL)) {
            Client client = server.client();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(client.createImportTask(ADMIN).get("id").textValue());
            }
            for (String id : ids) {
                client.awaitStatus(id, ADMIN, "success", Duration.ofSeconds(10));
            }
            // the metric is counted right after the row is written: wait for it
            String body = Await.until(
                    Duration.ofSeconds(10),
                    () -> {
                        HttpResponse<String> metrics = client.get("/metrics", Client.ANONYMOUS);
                        assertThat(metrics.statusCode()).as(metrics.body()).isEqualTo(200);
                        return metrics.body();
                    },
                    scrape -> finishedSuccessCount(scrape).equals("3.0"),
                    "3 successes in loupe_tasks_finished_total");
            assertThat(body).contains("loupe_task_pickup_seconds");
            assertThat(body)
                    .containsPattern("(?m)^loupe_task_pickup_seconds_count\\{[^}]*type=\"import\"[^}]*} 3(\\.0)?$");
            assertThat(finishedSuccessCount(body)).as(body).isEqualTo("3.0");
        }
    }

    private static String finishedSuccessCount(String scrape) {
        return scrape.lines()
                .filter(l -> l.startsWith("loupe_tasks_finished_total{")
                        && l.contains("outcome=\"success\"")
                        && l.contains("type=\"import\""))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1))
                .findFirst()
                .orElse("none");
    }

    @Test
    void anApiOnlyNodeNeverRunsTasksWhileAWorkerOnTheSameDatabaseDoes() throws Exception {
        Scripted counting =
                new Scripted(run -> JsonNodeFactory.instance.objectNode().put("ok", true));
        try (LoupeServer api = LoupeServer.start(dir, FAST_POLL)) {
            assertThat(api.engine())
                    .as("an API-only node has no engine to run tasks with")
                    .isEmpty();
            Client client = api.client();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(client.createImportTask(ADMIN).get("id").textValue());
            }
            // a worker's claim round on the same database finds all three still waiting, and runs them
            try (Database database = Database.open("", dir);
                    TaskEngine worker = engine(store(database), counting)) {
                assertThat(worker.runOnce()).as("tasks claimed").isEqualTo(3);
            }
            for (String id : ids) {
                assertThat(client.show(id, ADMIN).get("status").textValue()).isEqualTo("success");
            }

            Config workerConfig = Config.load(null, List.of(FAST_POLL, "DEFAULT.bind_port=0"), dir);
            try (Loupe worker = Loupe.start(workerConfig, Clock.systemUTC(), Role.WORKER, importsRunBy(counting))) {
                assertThat(Client.at("http://127.0.0.1:" + worker.port())
                                .get("/v2/tasks", ADMIN)
                                .statusCode())
                        .as("a worker serves no API")
                        .isEqualTo(404);
                // created on the API node while a worker process runs: the worker finds it by polling
                String later = client.createImportTask(ADMIN).get("id").textValue();
                JsonNode done = client.awaitStatus(later, ADMIN, "success", Duration.ofSeconds(10));
                assertThat(done.get("result").get("ok").booleanValue()).isTrue();
                ids.add(later);
                assertThat(worker.engine().orElseThrow().runOnce())
                        .as("tasks claimed by a further round")
                        .isZero();
            }
            assertThat(counting.runs()).containsOnlyKeys(ids);
            assertThat(counting.runs().values()).allMatch(n -> n.get() == 1);
        }
    }

    @Test
    void aHandlerErrorFailsTheTaskAtOnceWithAMessageNamingIt() {
        Scripted handler = new Scripted(run -> {
            throw new AssertionError("handler bug");
        });
        // short leases so that, with the bug, the test ends after a few seconds instead of 90
        try (LoupeServer server = LoupeServer.withWorkers(
                dir, importsRunBy(handler), FAST_POLL, "task.lease_duration=1", "task.heartbeat_interval=0.3")) {
            Client client = server.client();
            String id = client.createImportTask(ADMIN).get("id").textValue();
            JsonNode failed = client.awaitStatus(id, ADMIN, "failure", Duration.ofSeconds(10));
            assertThat(handler.runs().get(id).get()).as("run once, not retried").isEqualTo(1);
            assertThat(failed.get("message").textValue())
                    .contains("AssertionError")
                    .doesNotContain("handler bug");
        }
    }

    /**
     * The engine's store, holding the claimer's first claim (the write that makes a pending task processing) until
     * {@link TaskEngine#close()} has begun (it interrupts the claimer) and has gone as far as it goes without the
     * claimer: it waits for the claimer's round to end, or it has released its leases, i.e. it has ended. The window
     * in which a shutdown races a claim, held open as long as close() lets it be.
     */
    static final class HeldClaim implements EngineStore {
        final EngineStore store;
        final CountDownLatch holding = new CountDownLatch(1);
        final CountDownLatch written = new CountDownLatch(1);
        volatile Thread closer;
        volatile boolean released;

        HeldClaim(EngineStore store) {
            this.store = store;
        }

        @Override
        public List<Task> claim(String node, int limit, Instant now, Instant leaseUntil) {
            if (Thread.currentThread().getName().equals("task-claimer") && holding.getCount() > 0) {
                holding.countDown();
                try {
                    new CountDownLatch(1).await(); // until close() interrupts the claimer
                } catch (InterruptedException closing) {
                    Await.until(
                            Duration.ofSeconds(30),
                            () -> released
                                    || closer.getState() == Thread.State.WAITING
                                    || closer.getState() == Thread.State.TIMED_WAITING,
                            "close() to wait for the claimer or to end");
                }
                try {
                    return store.claim(node, limit, now, leaseUntil);
                } finally {
                    written.countDown();
                }
            }
            return store.claim(node, limit, now, leaseUntil);
        }

        @Override
        public Optional<Task> replace(Task before, Task after, String leaseOwner, Instant leaseExpiresAt) {
            return store.replace(before, after, leaseOwner, leaseExpiresAt);
        }

        @Override
        public int releaseLeases(String leaseOwner, Instant now) {
            released = true;
            return store.releaseLeases(leaseOwner, now);
        }

        @Override
        public List<Task> expiredLeases(Instant now, int limit) {
            return store.expiredLeases(now, limit);
        }

        @Override
        public void reportProgress(String id, String leaseOwner, String message, Instant now) {
            store.reportProgress(id, leaseOwner, message, now);
        }

        @Override
        public List<Renewal> renewLeases(String leaseOwner, List<String> ids, Instant until) {
            return store.renewLeases(leaseOwner, ids, until);
        }
    }

    @Test
    void closingWhileAClaimIsInFlightNeverLeavesAClaimedTaskUnrun() throws Exception {
        Scripted counting = new Scripted(run -> null);
        String id;
        try (LoupeServer api = LoupeServer.start(dir)) {
            id = api.client().createImportTask(ADMIN).get("id").textValue();
        }
        try (Database database = Database.open("", dir)) {
            HeldClaim store = new HeldClaim(store(database));
            TaskEngine worker = engine(store, counting, "task.max_attempts=1").start();
            assertThat(store.holding.await(10, TimeUnit.SECONDS))
                    .as("the claimer reached the claim")
                    .isTrue();
            store.closer = Thread.currentThread();
            worker.close();
            assertThat(store.written.await(10, TimeUnit.SECONDS))
                    .as("the held claim was written")
                    .isTrue();
        }

        TaskRows.Row row = new TaskRows(dir).row(id);
        if (!counting.runs().containsKey(id)) {
            assertThat(row.status())
                    .as("a task nobody ran must still be pending: %s", row)
                    .isEqualTo("pending");
            assertThat(row.attempts())
                    .as("no attempt spent on a task nobody ran: %s", row)
                    .isZero();
        }

        // what the user then sees: the next node runs it (had the claim spent its one attempt unrun, it would fail it)
        try (LoupeServer next =
                LoupeServer.withWorkers(dir, importsRunBy(counting), FAST_POLL, "task.max_attempts=1")) {
            JsonNode view = next.client().awaitStatus(id, ADMIN, "success", Duration.ofSeconds(10));
            assertThat(view.get("message").textValue()).isEmpty();
        }
    }
}
