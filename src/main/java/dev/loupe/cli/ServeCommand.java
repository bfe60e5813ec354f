package dev.loupe.cli;

import dev.loupe.Loupe;
import dev.loupe.Role;
import dev.loupe.config.Config;
import dev.loupe.config.Options;
import dev.loupe.engine.Handlers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Clock;

@Command(name = "serve", description = "Serves the Tasks API and runs tasks until stopped (SIGTERM or Ctrl-C).")
final class ServeCommand implements Runnable {

    @Mixin
    Settings settings;

    @Option(names = "--role", paramLabel = "api|worker|all", defaultValue = "all",
            description = "all: API and workers (default); api: the API only; worker: workers only.")
    String role;

    @Override
    public void run() {
        Config config = settings.load();
        Role chosen = switch (role) {
            case "all" -> Role.ALL;
            case "api" -> Role.API;
            case "worker" -> Role.WORKER;
            default -> throw new picocli.CommandLine.ParameterException(
                    new picocli.CommandLine(this), "--role must be api, worker or all, not " + role);
        };
        Loupe loupe = Loupe.start(config, Clock.systemUTC(), chosen, Handlers.production());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            loupe.close();
            // SIGTERM is the normal way to stop a server: once everything is closed, report success, not 143.
            Runtime.getRuntime().halt(0);
        }, "shutdown"));
        System.out.println(chosen == Role.WORKER ? "Loupe worker running"
                : "Loupe serving on http://" + config.get(Options.BIND_HOST) + ":" + loupe.port());
        System.out.flush();
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
