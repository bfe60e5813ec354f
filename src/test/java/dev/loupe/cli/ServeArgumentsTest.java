package dev.loupe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** The serve command line read without picocli means what picocli reads in it; anything else is left to picocli. */
class ServeArgumentsTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "serve",
                "serve --data-dir /var/lib/loupe",
                "serve --data-dir=d --set DEFAULT.bind_port=0",
                "serve --config etc/loupe.conf --set a.b=1 --set=c.d=e=f --role worker",
                "serve --role=API --data-dir x --config=y.conf",
                "serve --set DEFAULT.bind_host=::1 --set task.poll_interval=0.2 --role All",
            })
    void readsWhatPicocliReads(String line) {
        String[] args = line.split(" ");

        Optional<ServeCommand> fast = ServeArguments.parse(args);

        assertThat(fast).isPresent();
        ServeCommand picocli = picocli(args);
        assertThat(fast.get().settings.configFile).isEqualTo(picocli.settings.configFile);
        assertThat(fast.get().settings.dataDir).isEqualTo(picocli.settings.dataDir);
        assertThat(fast.get().settings.overrides).isEqualTo(picocli.settings.overrides);
        assertThat(fast.get().role).isEqualTo(picocli.role);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "db migrate",
                "version",
                "serve --help",
                "serve -h",
                "serve --data-dir",
                "serve --data-dir a --data-dir b",
                "serve --config a --config b",
                "serve --role a",
                "serve --role api --role all",
                "serve --set",
                "serve --set --role",
                "serve --data-dir= ",
                "serve --data-dir @args",
                "serve --frobnicate 1",
                "serve extra",
                "serve -- --set a.b=c",
                "serve --version",
            })
    void leavesAnythingElseToPicocli(String line) {
        String[] args = line.isEmpty() ? new String[0] : line.split(" ", -1);

        assertThat(ServeArguments.parse(args)).isEmpty();
    }

    private static ServeCommand picocli(String[] args) {
        ParseResult result = new CommandLine(new Main()).parseArgs(args);
        List<CommandLine> commands = result.asCommandLineList();
        return (ServeCommand) commands.get(commands.size() - 1).getCommand();
    }
}
