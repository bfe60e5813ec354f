package dev.loupe.cli;

import picocli.CommandLine.IVersionProvider;

/** The version the jar's manifest names ({@code Implementation-Version}, written by the build). */
final class VersionProvider implements IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {version == null ? "Loupe (version unknown: not run from a jar)" : "Loupe " + version};
    }
}
