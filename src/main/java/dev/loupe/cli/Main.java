package dev.loupe.cli;

import dev.loupe.failure.LoupeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code loupe serve | db migrate | db purge}. */
@Command(name = "loupe", mixinStandardHelpOptions = true, version = "Loupe 0.1.0",
        description = "A Glance-compatible image task service.",
        subcommands = {ServeCommand.class, DbCommand.class})
public final class Main {

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        // Configuration mistakes are the operator's to fix: say what is wrong in one line. Anything else that
        // stops a start (a port in use, a database that will not open) gets one line too, then its trace.
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof LoupeException) {
                commandLine.getErr().println("loupe: " + e.getMessage());
                return 2;
            }
            commandLine.getErr().println("loupe: " + e.getMessage()
                    + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")"));
            e.printStackTrace(commandLine.getErr());
            return 1;
        });
        System.exit(cli.execute(args));
    }
}
