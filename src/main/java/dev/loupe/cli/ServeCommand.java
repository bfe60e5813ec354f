package dev.loupe.cli;

import dev.loupe.Loupe;
import dev.loupe.config.Config;
import dev.loupe.config.Options;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Clock;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", description = "Serves the Tasks API until stopped (SIGTERM or Ctrl-C).")
final class ServeCommand implements Runnable {

    @Mixin
    Settings settings;

    @Override
    public void run() {
        Config config = settings.load();
        Loupe loupe = Loupe.start(config, Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            loupe.close();
            stopped.countDown();
        }, "shutdown"));
        System.out.println("Loupe serving on http://" + config.get(Options.BIND_HOST) + ":" + loupe.port());
        System.out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
