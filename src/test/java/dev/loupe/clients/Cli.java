package dev.loupe.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.testing.Keystone;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the OpenStack command-line clients and reads what they print. */
final class Cli {

    private static final Pattern ROW =
            Pattern.compile("^\\|\\s*([^|]+?)\\s*\\|\\s*(.*?)\\s*\\|\\s*$", Pattern.MULTILINE);

    private Cli() {}

    /** What a command printed (stdout and stderr together) and how it exited. */
    record Result(List<String> command, int exit, String output) {

        /** The output, once the command is known to have succeeded. */
        String ok() {
            assertThat(exit)
                    .as("%s exited with %d:%n%s", String.join(" ", command), exit, output)
                    .isZero();
            return output;
        }
    }

    static Result run(Map<String, String> environment, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within 120 s:\n" + output);
        }
        return new Result(command, process.exitValue(), output);
    }

    /**
     * The OS_* variables every OpenStack client reads, for {@code user} of {@code keystone}: password authentication,
     * Loupe found in the catalog; and a fresh home under {@code dir}.
     */
    static Map<String, String> cloud(Keystone keystone, Keystone.User user, Path dir) throws IOException {
        Map<String, String> environment = new HashMap<>(Map.of(
                "OS_AUTH_URL",
                keystone.authUrl(),
                "OS_USERNAME",
                user.name(),
                "OS_PASSWORD",
                user.password(),
                "OS_PROJECT_NAME",
                user.project(),
                "OS_USER_DOMAIN_NAME",
                "Default",
                "OS_PROJECT_DOMAIN_NAME",
                "Default",
                "OS_REGION_NAME",
                Keystone.REGION,
                "OS_IDENTITY_API_VERSION",
                "3",
                "OS_IMAGE_API_VERSION",
                "2"));
        environment.put("HOME", freshHome(dir));
        return environment;
    }

    /**
     * A new home directory for one client run. glanceclient 4.1.0 caches {@code /v2/schemas/image} in
     * {@code ~/.glanceclient}, and once the cache holds Glance's schema every later command fails with "argument
     * --stores: conflicting option string"; a fresh home also keeps the tests out of the real one.
     */
    static String freshHome(Path parent) throws IOException {
        return Files.createTempDirectory(parent, "home-").toString();
    }

    /** The Property/Value table the glance command prints for one object. */
    static Map<String, String> table(String output) {
        Map<String, String> rows = new LinkedHashMap<>();
        Matcher row = ROW.matcher(output);
        String last = null;
        while (row.find()) {
            if (row.group(1).isBlank() && last != null) {
                // glanceclient wraps long values (os_hash_value) onto rows with an empty property cell.
                rows.put(last, rows.get(last) + row.group(2));
            } else if (!row.group(1).equals("Property")) {
                last = row.group(1);
                rows.put(last, row.group(2));
            }
        }
        assertThat(rows).as("a property table in:%n%s", output).isNotEmpty();
        return rows;
    }
}
