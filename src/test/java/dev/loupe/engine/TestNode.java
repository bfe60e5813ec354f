package dev.loupe.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.Loupe;
import dev.loupe.Role;
import dev.loupe.config.Config;
import dev.loupe.config.Options;
import dev.loupe.task.TaskType;
import dev.loupe.testing.LoupeProcess;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A Loupe process whose {@code import} tasks run a slow, retry-safe test handler instead of the production one.
 * It lives on the test classpath only, so no production build can ever run it.
 *
 * <pre>TestNode --data-dir DIR [--sleep SECONDS] [--set SECTION.OPTION=VALUE]...</pre>
 *
 * It prints {@link #READY} with its address once it serves, {@link #STARTED} when the handler starts a task and
 * {@link #FINISHED} when it returns, and stops on SIGTERM the way {@code loupe serve} does (close, then exit 0).
 */
public final class TestNode {

    public static final String READY = "Loupe serving on http://";
    public static final String STARTED = "TestNode handler started ";
    public static final String FINISHED = "TestNode handler finished ";
    /** The source of the import tasks the tests create: on this machine, and never fetched by the test handler. */
    public static final String SOURCE = "http://127.0.0.1/engine.raw";

    private TestNode() {}

    /**
     * Starts a TestNode as a real process on the test classpath, whose handler sleeps {@code sleepSeconds};
     * overrides are {@code SECTION.OPTION=VALUE}.
     */
    static LoupeProcess start(Path logDir, Path dataDir, double sleepSeconds, String... overrides) {
        List<String> args =
                new ArrayList<>(List.of("--data-dir", dataDir.toString(), "--sleep", Double.toString(sleepSeconds)));
        for (String override : overrides) {
            args.add("--set");
            args.add(override);
        }
        // C1 only: the node starts about a second sooner, which matters with two starts per test
        return LoupeProcess.mainClass(
                logDir,
                TestNode.class,
                List.of("--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1"),
                args.toArray(String[]::new));
    }

    public static void main(String[] args) throws InterruptedException {
        Path dataDir = null;
        double sleepSeconds = 0;
        List<String> overrides = new ArrayList<>(List.of("DEFAULT.bind_port=0"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data-dir" -> dataDir = Path.of(args[++i]);
                case "--sleep" -> sleepSeconds = Double.parseDouble(args[++i]);
                case "--set" -> overrides.add(args[++i]);
                default ->
                    throw new IllegalArgumentException("unknown argument " + args[i]
                            + "; usage: TestNode --data-dir DIR [--sleep SECONDS] [--set SECTION.OPTION=VALUE]...");
            }
        }
        if (dataDir == null) {
            throw new IllegalArgumentException("--data-dir is required");
        }
        Config config = Config.load(null, overrides, dataDir);
        SlowHandler slow = new SlowHandler(sleepSeconds);
        UnaryOperator<Handlers> handlers = h -> h.with(TaskType.IMPORT, slow);
        Loupe loupe = Loupe.start(config, Clock.systemUTC(), Role.ALL, handlers);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            loupe.close();
                            // As ServeCommand: once everything is closed, report success rather than 143.
                            Runtime.getRuntime().halt(0);
                        },
                        "shutdown"));
        System.out.println(READY + config.get(Options.BIND_HOST) + ":" + loupe.port());
        System.out.flush();
        Thread.currentThread().join();
    }

    /** Sleeps, then succeeds with a result naming the attempt; a shutdown interrupts the sleep. */
    record SlowHandler(double sleepSeconds) implements TaskHandler {

        @Override
        public JsonNode run(TaskRun run) throws InterruptedException {
            String id = run.task().id();
            int attempt = run.task().attempts();
            System.out.println(STARTED + id + " attempt " + attempt);
            System.out.flush();
            Thread.sleep(Math.round(sleepSeconds * 1000));
            System.out.println(FINISHED + id + " attempt " + attempt);
            System.out.flush();
            ObjectNode result = JsonNodeFactory.instance.objectNode();
            result.put("attempt", attempt);
            result.put("pid", ProcessHandle.current().pid());
            return result;
        }

        @Override
        public boolean safeToRetry() {
            return true;
        }
    }
}
