package dev.loupe.cli;

import picocli.CommandLine.Option;

/** {@code -h/--help} for the subcommands (the top command has it from {@code mixinStandardHelpOptions}). */
final class HelpOption {

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help message and exit.")
    boolean help;
}
