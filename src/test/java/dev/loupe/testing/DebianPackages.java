package dev.loupe.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Outside tools some suites need (qemu-img, python-glanceclient, Keystone), from Debian packages. When a tool is
 * missing and the tests run as root, the package is installed with apt-get, as {@code .ci/run} does up front
 * (without recommended packages, and without starting the services a package ships); otherwise the suite fails
 * saying exactly what to install.
 */
public final class DebianPackages {

    /** Debian's hook that maintainer scripts ask before starting a service; exit code 101 means "do not". */
    private static final Path POLICY_RC_D = Path.of("/usr/sbin/policy-rc.d");

    private DebianPackages() {}

    /**
     * Makes sure {@code check} succeeds, installing {@code debianPackage} first when it does not. Services the
     * package would start on installation (keystone's uwsgi, an apache) are not started: while apt-get runs, a
     * {@code /usr/sbin/policy-rc.d} that exits 101 is in place (one already there is left as it is).
     *
     * @param check a command that exits 0 when the tool is usable
     */
    public static synchronized void require(String debianPackage, String... check) {
        if (succeeds(check)) {
            return;
        }
        StringBuilder log = new StringBuilder();
        if (isRoot()) {
            boolean installed = withoutStartingServices(() -> install(debianPackage, log)
                    || succeeds(log, "apt-get", "update", "-q") && install(debianPackage, log));
            if (installed && succeeds(check)) {
                return;
            }
        }
        throw new AssertionError(
                "This suite needs the Debian package " + debianPackage + " (`" + String.join(" ", check)
                        + "` failed). Install it: apt-get install --no-install-recommends " + debianPackage
                        + (log.isEmpty() ? "" : "\napt-get said:\n" + tail(log.toString(), 4000)));
    }

    private static boolean install(String debianPackage, StringBuilder log) {
        return succeeds(log, "apt-get", "install", "-y", "-q", "--no-install-recommends", debianPackage);
    }

    private static String tail(String text, int chars) {
        return text.length() <= chars ? text : "..." + text.substring(text.length() - chars);
    }

    private static boolean withoutStartingServices(BooleanSupplier step) {
        boolean placed = false;
        try {
            if (!Files.exists(POLICY_RC_D, LinkOption.NOFOLLOW_LINKS)) {
                Files.writeString(POLICY_RC_D, "#!/bin/sh\n# placed by Loupe's tests while apt-get runs\nexit 101\n");
                Files.setPosixFilePermissions(POLICY_RC_D, PosixFilePermissions.fromString("rwxr-xr-x"));
                placed = true;
            }
        } catch (IOException e) {
            throw new AssertionError("cannot write " + POLICY_RC_D + " to keep services from starting", e);
        }
        try {
            return step.getAsBoolean();
        } finally {
            if (placed) {
                try {
                    Files.deleteIfExists(POLICY_RC_D);
                } catch (IOException e) {
                    System.err.println("DebianPackages: could not remove " + POLICY_RC_D + ": " + e);
                }
            }
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static boolean succeeds(String... command) {
        return succeeds(null, command);
    }

    /** Runs the command to its end (15 minutes at most); its output is appended to {@code log} when one is given. */
    private static boolean succeeds(StringBuilder log, String... command) {
        List<String> argv = new ArrayList<>(List.of(command));
        Path output = null;
        try {
            ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
            if (log == null) {
                builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            } else {
                output = Files.createTempFile("debian-packages-", ".log");
                builder.redirectOutput(output.toFile());
            }
            builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process process = builder.start();
            boolean ended = process.waitFor(15, TimeUnit.MINUTES);
            if (!ended) {
                process.destroyForcibly();
            }
            if (log != null) {
                log.append("$ ").append(String.join(" ", argv)).append('\n').append(Files.readString(output));
            }
            return ended && process.exitValue() == 0;
        } catch (IOException e) {
            if (log != null) {
                log.append("$ ")
                        .append(String.join(" ", argv))
                        .append('\n')
                        .append(e)
                        .append('\n');
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a temp file left behind
                }
            }
        }
    }
}
