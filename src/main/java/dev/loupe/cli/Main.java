package dev.loupe.cli;

import dev.loupe.failure.LoupeException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/** {@code loupe serve | db migrate | db purge | version}. */
@Command(
        name = "loupe",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "A Glance-compatible image task service.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {ServeCommand.class, DbCommand.class, Main.Version.class})
public final class Main implements Runnable {

    @Spec
    CommandSpec spec;

    /** {@code loupe} alone: as picocli suggests for a command that needs a subcommand, an input error. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    @Command(name = "version", description = "Prints Loupe's version (as --version does).")
    static final class Version implements Runnable {
        @Mixin
        HelpOption help;

        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            spec.root().commandLine().printVersionHelp(spec.commandLine().getOut());
        }
    }

    /**
     * Configuration mistakes are the operator's to fix: says what is wrong in one line. Anything else that stops a
     * start (a port in use, a database that will not open) gets one line too, then its trace.
     *
     * @return the exit code
     */
    private static int failed(Exception e, PrintWriter err) {
        if (e instanceof LoupeException) {
            err.println("loupe: " + e.getMessage());
            return 2;
        }
        err.println("loupe: " + e.getMessage()
                + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")"));
        e.printStackTrace(err);
        return 1;
    }

    public static void main(String[] args) {
        // The usual command line of a server is read without picocli (ServeArguments says why).
        Optional<ServeCommand> serve = ServeArguments.parse(args);
        if (serve.isPresent()) {
            int code = 0;
            try {
                serve.get().run();
            } catch (RuntimeException e) {
                code = failed(e, new PrintWriter(System.err, true));
            }
            System.exit(code);
        }
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> failed(e, commandLine.getErr()));
        // Picocli's own handling, except that an unknown command is called one and always followed by the
        // usage, which lists the commands there are.
        cli.setParameterExceptionHandler((e, arguments) -> {
            CommandLine command = e.getCommandLine();
            PrintWriter err = command.getErr();
            List<String> unmatched = e instanceof UnmatchedArgumentException u ? u.getUnmatched() : List.of();
            boolean unknownCommand = !command.getSubcommands().isEmpty()
                    && !unmatched.isEmpty()
                    && !unmatched.get(0).startsWith("-");
            err.println(
                    unknownCommand
                            ? command.getCommandSpec().qualifiedName() + ": unknown command '" + unmatched.get(0) + "'"
                            : e.getMessage());
            if (!UnmatchedArgumentException.printSuggestions(e, err) || unknownCommand) {
                command.usage(err);
            }
            return command.getCommandSpec().exitCodeOnInvalidInput();
        });
        System.exit(cli.execute(args));
    }
}
