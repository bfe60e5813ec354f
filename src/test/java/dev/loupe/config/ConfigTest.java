package dev.loupe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.failure.LoupeException.BadConfiguration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigTest {

    @TempDir
    Path dir;

    private Path file(String text) {
        try {
            return Files.writeString(dir.resolve("loupe.conf"), text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Config load(String text, String... overrides) {
        return Config.load(file(text), List.of(overrides), dir);
    }

    private Config set(String... overrides) {
        return Config.load(null, List.of(overrides), dir);
    }

    @Nested
    class IniSyntax {

        @Test
        void sectionsEqualsAndColonSeparatorsAndComments() {
            Config config = load("""
                    # a comment
                    ; another comment
                    [DEFAULT]
                    bind_host = 0.0.0.0
                    bind_port: 8080
                    public_endpoint=http://images.example:9292/

                    # the same section again is fine
                    [DEFAULT]
                    limit_param_default : 10

                    [task]
                    task_time_to_live=12
                    """);
            assertThat(config.get(Options.BIND_HOST)).isEqualTo("0.0.0.0");
            assertThat(config.get(Options.BIND_PORT)).isEqualTo(8080);
            assertThat(config.get(Options.PUBLIC_ENDPOINT)).isEqualTo("http://images.example:9292/");
            assertThat(config.get(Options.LIMIT_PARAM_DEFAULT)).isEqualTo(10);
            assertThat(config.get(Options.TASK_TIME_TO_LIVE)).isEqualTo(12);
            assertThat(config.get(Options.API_LIMIT_MAX)).isEqualTo(1000);
        }

        @Test
        void theFirstOfEqualsAndColonSeparates() {
            assertThat(load("[DEFAULT]\npublic_endpoint: http://a:1/x=y\n").get(Options.PUBLIC_ENDPOINT))
                    .isEqualTo("http://a:1/x=y");
            assertThat(load("[database]\nconnection = sqlite:///x.db\n").get(Options.DATABASE_CONNECTION))
                    .isEqualTo("sqlite:///x.db");
        }

        @Test
        void indentedLinesContinueTheValueAbove() {
            Config config = load("""
                    [import_filtering_opts]
                    allowed_hosts = images.example,
                        mirror.example,
                    \tcdn.example
                    allowed_ports = [80,
                      443, 8080]
                    """);
            assertThat(config.get(Options.ALLOWED_HOSTS))
                    .containsExactly("images.example", "mirror.example", "cdn.example");
            assertThat(config.get(Options.ALLOWED_PORTS)).containsExactly(80, 443, 8080);
        }

        @Test
        void valuesAreStrippedAndMayBeEmpty() {
            Config config = load("[DEFAULT]\nbind_host =    127.0.0.2   \npublic_endpoint =\n");
            assertThat(config.get(Options.BIND_HOST)).isEqualTo("127.0.0.2");
            assertThat(config.get(Options.PUBLIC_ENDPOINT)).isEmpty();
        }

        @Test
        void anOptionBeforeAnySectionIsRefusedWithItsLine() {
            assertThatThrownBy(() -> load("# header\nbind_port = 1\n"))
                    .isInstanceOf(BadConfiguration.class)
                    .hasMessageContaining("loupe.conf:2")
                    .hasMessageContaining("bind_port");
        }

        @Test
        void aLineWithoutSeparatorIsRefusedWithItsLine() {
            assertThatThrownBy(() -> load("[DEFAULT]\nbind_port 8080\n"))
                    .isInstanceOf(BadConfiguration.class)
                    .hasMessageContaining("loupe.conf:2");
        }

        @Test
        void aMalformedSectionHeaderIsRefusedWithItsLine() {
            assertThatThrownBy(() -> load("[DEFAULT]\nbind_port = 1\n[task\n"))
                    .isInstanceOf(BadConfiguration.class)
                    .hasMessageContaining("loupe.conf:3");
        }

        @Test
        void aMissingFileIsRefused() {
            assertThatThrownBy(() -> Config.load(dir.resolve("nope.conf"), List.of(), dir))
                    .isInstanceOf(BadConfiguration.class)
                    .hasMessageContaining("nope.conf");
        }
    }

    @Nested
    class UnknownOptions {

        @Test
        void anUnknownOptionIsRefusedWithItsNameAndLine() {
            assertThatThrownBy(() -> load("[DEFAULT]\nbind_host = 127.0.0.1\n\nbind_hots = 0.0.0.0\n"))
                    .isInstanceOf(BadConfiguration.class)
                    .hasMessageContaining("bind_hots")
                    .hasMessageContaining(dir.resolve("loupe.conf") + ":4");
        }

        @Test
        void anOptionInAnUnknownSectionIsRefusedWithItsNameAndLine() {
            assertThatThrownBy(() -> load("[DEFAULT]\nbind_port = 1\n[glance_store]\nstores = file,http\n"))
                    .isInstanceOf(BadConfiguration.class)
                    .hasMessageContaining("[glance_store] stores")
                    .hasMessageContaining("loupe.conf:4");
        }

        @Test
        void aKnownOptionInTheWrongSectionIsRefused() {
            assertThatThrownBy(() -> load("[task]\nbind_port = 1\n"))
                    .isInstanceOf(BadConfiguration.class)
                    .hasMessageContaining("[task] bind_port")
                    .hasMessageContaining("loupe.conf:2");
        }

        @Test
        void anUnknownOverrideIsRefusedWithItsName() {
            assertThatThrownBy(() -> set("DEFAULT.bind_hots=1"))
                    .isInstanceOf(BadConfiguration.class)
                    .hasMessageContaining("DEFAULT.bind_hots");
        }

        @ParameterizedTest
        @ValueSource(strings = {"bind_port=1", "DEFAULT.bind_port", "=1", "bind_port=a.b"})
        void anOverrideThatIsNotSectionOptionValueIsRefused(String override) {
            assertThatThrownBy(() -> set(override))
                    .isInstanceOf(BadConfiguration.class)
                    .hasMessageContaining(override);
        }
    }

    @Nested
    class Overrides {

        @Test
        void setOverridesWinOverTheFile() {
            Config config = load("[DEFAULT]\nbind_port = 8080\nbind_host = 127.0.0.3\n", "DEFAULT.bind_port=9000");
            assertThat(config.get(Options.BIND_PORT)).isEqualTo(9000);
            assertThat(config.get(Options.BIND_HOST)).isEqualTo("127.0.0.3");
        }

        @Test
        void laterOverridesWinOverEarlierOnes() {
            assertThat(set("task.task_time_to_live=1", "task.task_time_to_live=2")
                            .get(Options.TASK_TIME_TO_LIVE))
                    .isEqualTo(2);
        }

        @Test
        void anOverrideValueMayContainEqualsAndDots() {
            assertThat(set("database.connection=jdbc:sqlite:/tmp/a.db?x=y").get(Options.DATABASE_CONNECTION))
                    .isEqualTo("jdbc:sqlite:/tmp/a.db?x=y");
        }

        @Test
        void aBadOverrideValueIsRefusedEvenWhenTheFileIsFine() {
            assertThatThrownBy(() -> load("[DEFAULT]\nbind_port = 8080\n", "DEFAULT.bind_port=abc"))
                    .isInstanceOf(BadConfiguration.class)
                    .hasMessageContaining("bind_port")
                    .hasMessageContaining("abc");
        }
    }

    @Nested
    class BadValues {

        @ParameterizedTest
        @CsvSource(
                delimiter = '|',
                value = {
                    "DEFAULT|bind_port|abc",
                    "DEFAULT|bind_port|-1",
                    "DEFAULT|bind_port|65536",
                    "DEFAULT|bind_port|80.5",
                    "DEFAULT|limit_param_default|0",
                    "DEFAULT|api_limit_max|0",
                    "DEFAULT|api_limit_max|many",
                    "DEFAULT|auth_strategy|keystone-ish",
                    "api|max_request_body_bytes|0",
                    "task|task_time_to_live|-1",
                    "task|task_time_to_live|forever",
                    "task|expiry_interval|0",
                    "import_filtering_opts|allowed_ports|[0]",
                    "import_filtering_opts|allowed_ports|[80, 65536]",
                    "import_filtering_opts|allowed_ports|http",
                    "import_filtering_opts|disallowed_ports|[22, x]",
                })
        void aBadValueIsRefusedWithTheOptionNameAndTheLine(String section, String name, String value) {
            assertThatThrownBy(() -> load("[" + section + "]\n" + name + " = " + value + "\n"))
                    .isInstanceOf(BadConfiguration.class)
                    .hasMessageContaining(name)
                    .hasMessageContaining("loupe.conf:2");
            assertThatThrownBy(() -> set(section + "." + name + "=" + value))
                    .isInstanceOf(BadConfiguration.class)
                    .hasMessageContaining(name);
        }

        @Test
        void theMessageSaysWhatIsWrongWithTheValue() {
            assertThatThrownBy(() -> set("DEFAULT.bind_port=abc"))
                    .hasMessageContaining("[DEFAULT] bind_port")
                    .hasMessageContaining("'abc'");
            assertThatThrownBy(() -> set("import_filtering_opts.allowed_ports=[0]"))
                    .hasMessageContaining("[import_filtering_opts] allowed_ports")
                    .hasMessageContaining("0");
        }

        @Test
        void boundariesAreAccepted() {
            assertThat(set("DEFAULT.bind_port=0").get(Options.BIND_PORT)).isZero();
            assertThat(set("DEFAULT.bind_port=65535").get(Options.BIND_PORT)).isEqualTo(65535);
            assertThat(set("import_filtering_opts.allowed_ports=[1, 65535]").get(Options.ALLOWED_PORTS))
                    .containsExactly(1, 65535);
            assertThat(set("task.task_time_to_live=0").get(Options.TASK_TIME_TO_LIVE))
                    .isZero();
        }
    }

    @Nested
    class Lists {

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "[http, https]",
                    "http, https",
                    "http,https",
                    "['http', 'https']",
                    "[\"http\", \"https\"]",
                    "'http', \"https\"",
                    "[ HTTP ,Https ]",
                })
        void listsWithOrWithoutBracketsAndQuotes(String text) {
            assertThat(set("import_filtering_opts.allowed_schemes=" + text).get(Options.ALLOWED_SCHEMES))
                    .containsExactly("http", "https");
            assertThat(load("[import_filtering_opts]\nallowed_schemes = " + text + "\n")
                            .get(Options.ALLOWED_SCHEMES))
                    .containsExactly("http", "https");
        }

        @ParameterizedTest
        @ValueSource(strings = {"[]", "", "[ ]", "   "})
        void emptyLists(String text) {
            assertThat(set("import_filtering_opts.allowed_hosts=" + text).get(Options.ALLOWED_HOSTS))
                    .isEmpty();
        }

        @Test
        void aSingleItem() {
            assertThat(set("import_filtering_opts.disallowed_hosts=metadata.internal")
                            .get(Options.DISALLOWED_HOSTS))
                    .containsExactly("metadata.internal");
            assertThat(set("import_filtering_opts.allowed_ports=8080").get(Options.ALLOWED_PORTS))
                    .containsExactly(8080);
        }

        @Test
        void portListsTakeQuotedNumbers() {
            assertThat(set("import_filtering_opts.disallowed_ports=['22', \"25\"]")
                            .get(Options.DISALLOWED_PORTS))
                    .containsExactly(22, 25);
        }

        @Test
        void listsInTheFile() {
            Config config = load("""
                    [import_filtering_opts]
                    allowed_schemes = https
                    disallowed_hosts = [169.254.169.254, 'metadata.internal']
                    disallowed_ports = 22, 25
                    allowed_ports = []
                    """);
            assertThat(config.get(Options.ALLOWED_SCHEMES)).containsExactly("https");
            assertThat(config.get(Options.DISALLOWED_HOSTS)).containsExactly("169.254.169.254", "metadata.internal");
            assertThat(config.get(Options.DISALLOWED_PORTS)).containsExactly(22, 25);
            assertThat(config.get(Options.ALLOWED_PORTS)).isEmpty();
        }
    }

    @Nested
    class Defaults {

        /** The defaults operators rely on (Glance's where Glance has the option). */
        private static final Map<Option<?>, Object> EXPECTED = expected();

        private static Map<Option<?>, Object> expected() {
            Map<Option<?>, Object> m = new LinkedHashMap<>();
            m.put(Options.BIND_HOST, "127.0.0.1");
            m.put(Options.BIND_PORT, 9292);
            m.put(Options.PUBLIC_ENDPOINT, "");
            m.put(Options.AUTH_STRATEGY, "headers");
            m.put(Options.LIMIT_PARAM_DEFAULT, 25);
            m.put(Options.API_LIMIT_MAX, 1000);
            m.put(Options.MAX_REQUEST_BODY_BYTES, 65536);
            m.put(Options.TASK_TIME_TO_LIVE, 48);
            m.put(Options.EXPIRY_INTERVAL, java.time.Duration.ofSeconds(60));
            m.put(Options.ALLOWED_SCHEMES, List.of("http", "https"));
            m.put(Options.DISALLOWED_SCHEMES, List.of());
            m.put(Options.ALLOWED_HOSTS, List.of());
            m.put(Options.DISALLOWED_HOSTS, List.of());
            m.put(Options.ALLOWED_PORTS, List.of(80, 443));
            m.put(Options.DISALLOWED_PORTS, List.of());
            m.put(Options.DATABASE_CONNECTION, "");
            m.put(Options.POLICY_FILE, "");
            return m;
        }

        @Test
        void knownDefaults() {
            Config config = Config.defaults(dir);
            EXPECTED.forEach((option, value) ->
                    assertThat((Object) config.get(option)).as(option.key()).isEqualTo(value));
            assertThat(Options.ALL).containsAll(EXPECTED.keySet());
        }

        @Test
        void everyOptionHasADefaultThatParsesAndIsWhatAnEmptyConfigGives() {
            Config empty = load("");
            for (Option<?> option : Options.ALL) {
                assertThat((Object) empty.get(option)).as(option.key()).isEqualTo(option.parse(option.defaultText()));
            }
        }

        @Test
        void writingTheDefaultTextInTheFileChangesNothing() {
            StringBuilder text = new StringBuilder();
            String section = null;
            for (Option<?> option : Options.ALL) {
                if (!option.section().equals(section)) {
                    section = option.section();
                    text.append('[').append(section).append("]\n");
                }
                text.append(option.name())
                        .append(" = ")
                        .append(option.defaultText())
                        .append('\n');
            }
            Config written = load(text.toString());
            Config defaults = Config.defaults(dir);
            for (Option<?> option : Options.ALL) {
                assertThat((Object) written.get(option)).as(option.key()).isEqualTo(defaults.get(option));
            }
        }

        @Test
        void optionsAreUniqueAndDocumented() {
            List<String> keys = new ArrayList<>();
            for (Option<?> option : Options.ALL) {
                keys.add(option.key());
                assertThat(option.help()).as(option.key()).isNotBlank();
            }
            assertThat(keys).doesNotHaveDuplicates();
        }

        @Test
        void theDataDirIsAbsolute() {
            assertThat(Config.defaults(Path.of("relative")).dataDir()).isAbsolute();
        }
    }

    /**
     * {@code etc/loupe.conf.sample} documents every option under its section as {@code #name = default}. Read from
     * the repository root, where the build runs.
     */
    @Test
    void theSampleConfigDocumentsEveryOptionWithItsDefault() throws IOException {
        Path sample = Path.of("etc", "loupe.conf.sample");
        assertThat(sample).as("etc/loupe.conf.sample at the repository root").isRegularFile();
        Map<String, String> documented = new HashMap<>();
        String section = null;
        for (String raw : Files.readAllLines(sample)) {
            String line = raw.strip();
            if (line.startsWith("[") && line.endsWith("]")) {
                section = line.substring(1, line.length() - 1).strip();
            } else if (line.startsWith("#") && section != null) {
                String body = line.substring(1).strip();
                int eq = body.indexOf('=');
                if (eq > 0 && body.substring(0, eq).strip().matches("[a-z0-9_]+")) {
                    documented.put(
                            section + "." + body.substring(0, eq).strip(),
                            body.substring(eq + 1).strip());
                }
            }
        }
        for (Option<?> option : Options.ALL) {
            assertThat(documented)
                    .as("sample documents [%s] %s", option.section(), option.name())
                    .containsEntry(option.key(), option.defaultText().strip());
        }
        // And the sample, uncommented, is a valid config that changes nothing.
        String uncommented = String.join(
                "\n",
                Files.readAllLines(sample).stream()
                        .map(l -> l.matches("#[a-z0-9_]+ ?=.*") ? l.substring(1) : l)
                        .toList());
        Config fromSample = load(uncommented + "\n");
        Config defaults = Config.defaults(dir);
        for (Option<?> option : Options.ALL) {
            assertThat((Object) fromSample.get(option)).as(option.key()).isEqualTo(defaults.get(option));
        }
    }
}
