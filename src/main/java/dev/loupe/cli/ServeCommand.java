package dev.loupe.cli;

import dev.loupe.Loupe;
import dev.loupe.config.Config;
import dev.loupe.config.Options;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Clock;

@Command(name = "serve", description = "Serves the Tasks API until stopped (SIGTERM or Ctrl-C).")
final class ServeCommand implements Runnable {

    @Mixin
    Settings settings;

    @Override
    public void run() {
        Config config = settings.load();
        Loupe loupe = Loupe.start(config, Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            loupe.close();
            // SIGTERM is the normal way to stop a server: once everything is closed, report success, not 143.
            Runtime.getRuntime().halt(0);
        }, "shutdown"));
        System.out.println("Loupe serving on http://" + config.get(Options.BIND_HOST) + ":" + loupe.port());
        System.out.flush();
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
