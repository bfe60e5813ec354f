package dev.loupe.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Outside tools some suites need (qemu-img, python-glanceclient), from Debian packages. When a tool is missing and
 * the tests run as root, the package is installed with apt-get, as {@code .ci/run} does up front; otherwise the
 * suite fails saying exactly what to install.
 */
public final class DebianPackages {

    private DebianPackages() {
    }

    /**
     * Makes sure {@code check} succeeds, installing {@code debianPackage} first when it does not.
     *
     * @param check a command that exits 0 when the tool is usable
     */
    public static synchronized void require(String debianPackage, String... check) {
        if (succeeds(check)) {
            return;
        }
        if (isRoot()) {
            boolean installed = succeeds("apt-get", "install", "-y", "-q", debianPackage)
                    || succeeds("apt-get", "update", "-q") && succeeds("apt-get", "install", "-y", "-q", debianPackage);
            if (installed && succeeds(check)) {
                return;
            }
        }
        throw new AssertionError("This suite needs the Debian package " + debianPackage + " (`" + String.join(" ", check)
                + "` failed). Install it: apt-get install " + debianPackage);
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static boolean succeeds(String... command) {
        List<String> argv = new ArrayList<>(List.of(command));
        try {
            ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process process = builder.start();
            if (!process.waitFor(15, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
