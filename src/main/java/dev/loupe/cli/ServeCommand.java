package dev.loupe.cli;

import dev.loupe.Loupe;
import dev.loupe.Role;
import dev.loupe.config.Config;
import dev.loupe.config.Options;
import java.time.Clock;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

@Command(name = "serve", description = "Serves the Tasks API and runs tasks until stopped (SIGTERM or Ctrl-C).")
final class ServeCommand implements Runnable {

    /** Role names as operators type them: api, worker, all. */
    static final class RoleConverter implements ITypeConverter<Role> {
        @Override
        public Role convert(String value) {
            Role role = ServeArguments.roleNamed(value);
            if (role == null) {
                throw new TypeConversionException("expected api, worker or all, not '" + value + "'");
            }
            return role;
        }
    }

    @Mixin
    HelpOption help;

    @Mixin
    Settings settings;

    @Option(
            names = "--role",
            paramLabel = "api|worker|all",
            defaultValue = "all",
            converter = RoleConverter.class,
            description = "all: API and workers (default); api: the API only; worker: workers only.")
    Role role;

    @Override
    public void run() {
        Config config = settings.load();
        Logging.configure(config);
        StopSignals stop = StopSignals.install();
        Loupe loupe = Loupe.start(config, Clock.systemUTC(), role, UnaryOperator.identity());
        stop.serving(loupe);
        String host = config.get(Options.BIND_HOST);
        String address = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + loupe.port();
        System.out.println(
                role == Role.WORKER
                        ? "Loupe worker running; /healthcheck and /metrics on " + address
                        : "Loupe serving on " + address);
        System.out.flush();
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
