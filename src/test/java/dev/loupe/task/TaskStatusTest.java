package dev.loupe.task;

import static dev.loupe.task.TaskStatus.FAILURE;
import static dev.loupe.task.TaskStatus.PENDING;
import static dev.loupe.task.TaskStatus.PROCESSING;
import static dev.loupe.task.TaskStatus.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The status machine of Glance's tasks: pending → processing | failure, processing → success | failure, nothing else. */
class TaskStatusTest {

    private static final Instant CREATED = Instant.parse("2026-03-01T10:00:00.123456Z");
    private static final Instant LATER = Instant.parse("2026-03-01T10:05:07.654321Z");
    private static final Duration TTL = Duration.ofHours(48);
    private static final JsonNode RESULT = JsonNodeFactory.instance.objectNode().put("image_id", "img-1");

    private static final Set<String> ALLOWED =
            Set.of("PENDING>PROCESSING", "PENDING>FAILURE", "PROCESSING>SUCCESS", "PROCESSING>FAILURE");

    private static Task pending() {
        return Task.create(
                "7ab1b1e8-4f2e-4b1a-9c3e-0d2f6a1b2c3d",
                TaskType.IMPORT,
                "proj-a",
                JsonNodeFactory.instance.objectNode().put("import_from", "http://127.0.0.1/x"),
                null,
                "req-1",
                "user-1",
                CREATED);
    }

    private static Task in(TaskStatus status) {
        Task t = pending();
        return new Task(
                t.id(),
                t.type(),
                status,
                t.owner(),
                t.storedInput(),
                t.storedResult(),
                t.message(),
                t.createdAt(),
                t.updatedAt(),
                t.expiresAt(),
                t.imageId(),
                t.requestId(),
                t.userId(),
                false,
                null,
                0,
                0,
                null);
    }

    @Test
    void exactlyTheFourMovesOfTheSpecAreAllowed() {
        for (TaskStatus from : TaskStatus.values()) {
            for (TaskStatus to : TaskStatus.values()) {
                assertThat(from.canMoveTo(to)).as(from + " -> " + to).isEqualTo(ALLOWED.contains(from + ">" + to));
            }
        }
    }

    @Test
    void terminalStatuses() {
        assertThat(SUCCESS.isTerminal()).isTrue();
        assertThat(FAILURE.isTerminal()).isTrue();
        assertThat(PENDING.isTerminal()).isFalse();
        assertThat(PROCESSING.isTerminal()).isFalse();
    }

    @Test
    void wireNames() {
        assertThat(TaskStatus.values())
                .extracting(TaskStatus::wire)
                .containsExactly("pending", "processing", "success", "failure");
        for (TaskStatus s : TaskStatus.values()) {
            assertThat(TaskStatus.fromWire(s.wire())).contains(s);
        }
        assertThat(TaskStatus.fromWire("PENDING")).isEmpty();
        assertThat(TaskStatus.fromWire("")).isEmpty();
        assertThat(TaskStatus.fromWire(null)).isEmpty();
    }

    @Test
    void aNewTaskIsPendingWithAnEmptyMessageNoResultAndNoExpiry() {
        Task t = pending();
        assertThat(t.status()).isEqualTo(PENDING);
        assertThat(t.message()).isEmpty();
        assertThat(t.result()).isNull();
        assertThat(t.expiresAt()).isNull();
        assertThat(t.createdAt()).isEqualTo(CREATED);
        assertThat(t.updatedAt()).isEqualTo(CREATED);
        assertThat(t.deleted()).isFalse();
    }

    @Test
    void aNullMessageIsStoredAsEmpty() {
        Task t = pending();
        Task withNull = new Task(
                t.id(),
                t.type(),
                t.status(),
                t.owner(),
                t.storedInput(),
                null,
                null,
                t.createdAt(),
                t.updatedAt(),
                null,
                null,
                null,
                null,
                false,
                null,
                0,
                0,
                null);
        assertThat(withNull.message()).isEmpty();
    }

    @Test
    void beginProcessingSetsNoExpiry() {
        Task t = pending().beginProcessing(LATER);
        assertThat(t.status()).isEqualTo(PROCESSING);
        assertThat(t.expiresAt()).isNull();
        assertThat(t.updatedAt()).isEqualTo(LATER);
        assertThat(t.createdAt()).isEqualTo(CREATED);
    }

    @Test
    void succeedSetsTheResultAndExpiresAtNowPlusTheTimeToLiveAndLeavesTheMessage() {
        Task t = pending().beginProcessing(CREATED).succeed(RESULT, LATER, TTL);
        assertThat(t.status()).isEqualTo(SUCCESS);
        assertThat(t.result()).isEqualTo(RESULT);
        assertThat(t.message()).isEmpty();
        assertThat(t.expiresAt()).isEqualTo(LATER.plus(TTL));
        assertThat(t.updatedAt()).isEqualTo(LATER);
    }

    @Test
    void failSetsTheMessageAndExpiresAtNowPlusTheTimeToLiveAndLeavesTheResult() {
        Task fromPending = pending().fail("Source answered HTTP 404 Not Found", LATER, TTL);
        assertThat(fromPending.status()).isEqualTo(FAILURE);
        assertThat(fromPending.message()).isEqualTo("Source answered HTTP 404 Not Found");
        assertThat(fromPending.result()).isNull();
        assertThat(fromPending.expiresAt()).isEqualTo(LATER.plus(TTL));

        Task processing = in(PROCESSING);
        Task withResult = new Task(
                processing.id(),
                processing.type(),
                PROCESSING,
                processing.owner(),
                processing.storedInput(),
                StoredJson.of(RESULT),
                "",
                CREATED,
                CREATED,
                null,
                null,
                null,
                null,
                false,
                null,
                1,
                0,
                null);
        Task failed = withResult.fail("boom", LATER, Duration.ofHours(1));
        assertThat(failed.result()).isEqualTo(RESULT);
        assertThat(failed.expiresAt()).isEqualTo(LATER.plus(Duration.ofHours(1)));
    }

    @Test
    void aZeroTimeToLiveExpiresAtOnce() {
        assertThat(pending().fail("x", LATER, Duration.ZERO).expiresAt()).isEqualTo(LATER);
    }

    @Test
    void forbiddenMovesThrowWithUpstreamsMessage() {
        assertThatThrownBy(() -> pending().succeed(RESULT, LATER, TTL))
                .isInstanceOf(TaskStatus.IllegalTransition.class)
                .hasMessage("Status transition from pending to success is not allowed");
        assertThatThrownBy(() -> in(SUCCESS).beginProcessing(LATER))
                .hasMessage("Status transition from success to processing is not allowed");
        assertThatThrownBy(() -> in(SUCCESS).fail("x", LATER, TTL))
                .hasMessage("Status transition from success to failure is not allowed");
        assertThatThrownBy(() -> in(FAILURE).beginProcessing(LATER))
                .hasMessage("Status transition from failure to processing is not allowed");
        assertThatThrownBy(() -> in(FAILURE).succeed(RESULT, LATER, TTL))
                .hasMessage("Status transition from failure to success is not allowed");
        assertThatThrownBy(() -> in(PROCESSING).beginProcessing(LATER))
                .hasMessage("Status transition from processing to processing is not allowed");
        assertThatThrownBy(() -> in(SUCCESS).succeed(RESULT, LATER, TTL))
                .hasMessage("Status transition from success to success is not allowed");
        assertThatThrownBy(() -> in(FAILURE).fail("again", LATER, TTL))
                .hasMessage("Status transition from failure to failure is not allowed");
    }

    @ParameterizedTest
    @EnumSource(TaskStatus.class)
    void aRefusedMoveLeavesTheTaskAsItWas(TaskStatus from) {
        Task t = in(from);
        for (TaskStatus to : TaskStatus.values()) {
            if (!from.canMoveTo(to)) {
                try {
                    switch (to) {
                        case PROCESSING -> t.beginProcessing(LATER);
                        case SUCCESS -> t.succeed(RESULT, LATER, TTL);
                        case FAILURE -> t.fail("x", LATER, TTL);
                        case PENDING -> {
                            continue;
                        }
                    }
                    throw new AssertionError(from + " -> " + to + " was allowed");
                } catch (TaskStatus.IllegalTransition expected) {
                    assertThat(t.status()).isEqualTo(from);
                }
            }
        }
    }

    @Test
    void eachStartCountsAnAttemptAndOnlyAProcessingTaskCanBeRetried() {
        Task claimed = pending().beginProcessing(LATER);
        assertThat(claimed.attempts()).isEqualTo(1);
        Task retried = claimed.retry(LATER.plusSeconds(30));
        assertThat(retried.attempts()).isEqualTo(2);
        assertThat(retried.status()).isEqualTo(PROCESSING);
        assertThat(retried.updatedAt()).isEqualTo(LATER.plusSeconds(30));
        assertThatThrownBy(() -> pending().retry(LATER)).isInstanceOf(IllegalStateException.class);
        Task done = claimed.succeed(RESULT, LATER, TTL);
        assertThatThrownBy(() -> done.retry(LATER)).isInstanceOf(IllegalStateException.class);
    }
}
