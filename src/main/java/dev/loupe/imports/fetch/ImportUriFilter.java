package dev.loupe.imports.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.compat.PythonRepr;
import dev.loupe.config.Config;
import dev.loupe.config.Options;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The checks an {@code import_from} location must pass when a task is created and at every redirect: upstream's
 * location checks, then the {@code [import_filtering_opts]} filter on scheme, host and explicit port. Nothing here
 * resolves names: whether a name leads somewhere safe is decided where the connection is made, against the address
 * actually connected to. Hosts are compared as {@link FilterHost} says: an allow-list entry matches its own
 * spelling only, a deny-list entry every spelling of its address.
 */
public final class ImportUriFilter {

    private static final String FILTERED = "URI for legacy import task does not pass filtering: ";
    private static final String NO_HOST = "the URI has no host";
    private static final String INVALID_HOST = "the host is not a valid host name or address";

    private static final String NOT_A_URI = "The given uri is not valid. Please specify a valid uri from the"
            + " following list of supported uri ['http']";

    private final List<String> allowedSchemes;
    private final List<String> disallowedSchemes;
    private final List<HostEntry> allowedHosts;
    private final List<HostEntry> disallowedHosts;
    private final List<Integer> allowedPorts;
    private final List<Integer> disallowedPorts;

    /** A {@code [import_filtering_opts]} host entry as the operator wrote it, and the host it names if it names one. */
    private record HostEntry(String written, Optional<FilterHost> host) {
        static HostEntry of(String written) {
            return new HostEntry(written, FilterHost.parse(written));
        }

        boolean is(String canonical) {
            return host.map(h -> h.canonical().equals(canonical)).orElse(false);
        }

        Optional<String> ipv4() {
            return host.flatMap(FilterHost::ipv4);
        }
    }

    public ImportUriFilter(
            List<String> allowedSchemes,
            List<String> disallowedSchemes,
            List<String> allowedHosts,
            List<String> disallowedHosts,
            List<Integer> allowedPorts,
            List<Integer> disallowedPorts) {
        this.allowedSchemes = List.copyOf(allowedSchemes);
        this.disallowedSchemes = List.copyOf(disallowedSchemes);
        this.allowedHosts = allowedHosts.stream().map(HostEntry::of).toList();
        this.disallowedHosts = disallowedHosts.stream().map(HostEntry::of).toList();
        this.allowedPorts = List.copyOf(allowedPorts);
        this.disallowedPorts = List.copyOf(disallowedPorts);
    }

    public static ImportUriFilter from(Config config) {
        return new ImportUriFilter(
                config.get(Options.ALLOWED_SCHEMES),
                config.get(Options.DISALLOWED_SCHEMES),
                config.get(Options.ALLOWED_HOSTS),
                config.get(Options.DISALLOWED_HOSTS),
                config.get(Options.ALLOWED_PORTS),
                config.get(Options.DISALLOWED_PORTS));
    }

    /**
     * Why {@code importFrom} may not be imported from, in upstream's words; empty when it may. Upstream says
     * {@code Invalid location: None} both for a missing and a null {@code import_from}; which one it was follows.
     *
     * @param importFrom the value of {@code import_from} as given (null when absent)
     */
    public Optional<String> refusal(JsonNode importFrom) {
        if (importFrom == null || importFrom.isMissingNode()) {
            return Optional.of("Invalid location: None (input does not contain 'import_from')");
        }
        if (importFrom.isNull()) {
            return Optional.of("Invalid location: None (import_from is null)");
        }
        if (!importFrom.isTextual()) {
            // As upstream prints a falsy location: False, 0, [], {}.
            return Optional.of("Invalid location: " + PythonRepr.of(importFrom));
        }
        return refusal(importFrom.textValue());
    }

    /** Why {@code uri} may not be imported from, in upstream's words; empty when it may. */
    public Optional<String> refusal(String uri) {
        if (uri.isEmpty()) {
            return Optional.of("Invalid location: ");
        }
        if (uri.startsWith("file:///") || uri.startsWith("filesystem:///")) {
            return Optional.of("File based imports are not allowed. Please use a non-local source of image data.");
        }
        if (!uri.startsWith("http://") && !uri.startsWith("https://")) {
            return Optional.of(NOT_A_URI);
        }
        return filterRefusal(uri).map(reason -> FILTERED + uri + " (" + reason + ")");
    }

    /**
     * Whether {@code allowed_hosts} names {@code host}, by the same rule as the filter: the spelling the operator
     * wrote, not another spelling of its address. The operator chose such a host, so the fetcher lets it reach
     * addresses it refuses otherwise.
     */
    public boolean namesAllowedHost(String host) {
        return !allowedHosts.isEmpty()
                && FilterHost.parse(host)
                        .map(h -> hostRefusal(host, h).isEmpty())
                        .orElse(false);
    }

    /**
     * The filter alone, for the fetcher: why {@code checked} does not pass it, as a refusal naming {@code shown}
     * (the URL as the source wrote it); empty when it passes.
     */
    Optional<String> filterRefusal(String checked, String shown) {
        return filterRefusal(checked).map(reason -> FILTERED + shown + " (" + reason + ")");
    }

    /**
     * Which {@code [import_filtering_opts]} rule refuses {@code text}, in words such as {@code port 9703 is not in
     * allowed_ports}; empty when it passes. Upstream checks the scheme, then the host, then an explicit port.
     */
    private Optional<String> filterRefusal(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            return Optional.of("the URI is not valid");
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme == null) {
            return Optional.of("the URI has no scheme");
        }
        Optional<String> refused = listRefusal("scheme", scheme, scheme, allowedSchemes, disallowedSchemes);
        if (refused.isPresent()) {
            return refused;
        }
        Authority authority;
        try {
            authority = Authority.of(uri);
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        Optional<FilterHost> host = FilterHost.parse(authority.host());
        if (host.isEmpty()) {
            return Optional.of(INVALID_HOST);
        }
        refused = hostRefusal(authority.host(), host.get());
        if (refused.isPresent() || authority.port() < 0) {
            return refused;
        }
        return listRefusal("port", String.valueOf(authority.port()), authority.port(), allowedPorts, disallowedPorts);
    }

    /**
     * Host and explicit port (-1 for none) of a URI. java.net.URI only fills in a host for names it deems
     * well-formed (not {@code my_host}), so the raw authority is read here.
     */
    private record Authority(String host, int port) {
        /** @throws IllegalArgumentException saying what is wrong with the authority */
        static Authority of(URI uri) {
            String authority = uri.getRawAuthority();
            if (authority == null || authority.isEmpty()) {
                throw new IllegalArgumentException(NO_HOST);
            }
            authority = authority.substring(authority.lastIndexOf('@') + 1);
            String host = authority;
            String port = null;
            if (authority.startsWith("[")) {
                int close = authority.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException(INVALID_HOST);
                }
                host = authority.substring(0, close + 1);
                String rest = authority.substring(close + 1);
                if (rest.startsWith(":")) {
                    port = rest.substring(1);
                } else if (!rest.isEmpty()) {
                    throw new IllegalArgumentException(INVALID_HOST);
                }
            } else if (authority.contains(":")) {
                host = authority.substring(0, authority.lastIndexOf(':'));
                port = authority.substring(authority.lastIndexOf(':') + 1);
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException(NO_HOST);
            }
            if (port == null || port.isEmpty()) {
                return new Authority(host, -1);
            }
            if (!port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535) {
                throw new IllegalArgumentException("the port is not a valid port number");
            }
            return new Authority(host, Integer.parseInt(port));
        }
    }

    /**
     * An allow list, when set, decides alone; otherwise the deny list does. The reason names the value as the URI
     * has it ({@code shown}) and the option that refused it.
     */
    private static <T> Optional<String> listRefusal(
            String what, String shown, T value, List<T> allowed, List<T> disallowed) {
        if (!allowed.isEmpty()) {
            return allowed.contains(value)
                    ? Optional.empty()
                    : Optional.of(what + " " + shown + " is not in allowed_" + what + "s");
        }
        return disallowed.contains(value)
                ? Optional.of(what + " " + shown + " is in disallowed_" + what + "s")
                : Optional.empty();
    }

    /**
     * Why the host lists refuse {@code host} ({@code shown} as the URI has it). An allow list, when set, decides
     * alone and matches a host's own spelling only; an IPv4-mapped literal must also be allowed as the IPv4 address
     * it is connected to. A deny list refuses its entries' addresses in every spelling.
     */
    private Optional<String> hostRefusal(String shown, FilterHost host) {
        if (!allowedHosts.isEmpty()) {
            if (allowedHosts.stream().noneMatch(entry -> entry.is(host.canonical()))) {
                return Optional.of("host " + shown + " is not in allowed_hosts");
            }
            return host.connectedAs()
                    .filter(ipv4 -> allowedHosts.stream().noneMatch(entry -> entry.is(ipv4)))
                    .map(ipv4 -> "host " + shown + " is connected to as " + ipv4 + ", which is not in allowed_hosts");
        }
        for (HostEntry entry : disallowedHosts) {
            if (entry.is(host.canonical())) {
                return Optional.of("host " + shown + " is in disallowed_hosts");
            }
            Optional<String> ipv4 = entry.ipv4();
            if (ipv4.isPresent() && ipv4.equals(host.ipv4())) {
                return Optional.of("host " + shown + " is another spelling of " + entry.written()
                        + ", which is in disallowed_hosts");
            }
            if (ipv4.isPresent() && ipv4.equals(host.via6to4())) {
                return Optional.of(
                        "host " + shown + " is a 6to4 address for " + ipv4.get() + ", which is in disallowed_hosts");
            }
        }
        return Optional.empty();
    }

    /** The canonical form of a host, or empty for hosts that are refused outright (numeric encodings, junk). */
    public static Optional<String> normalizeHost(String host) {
        return FilterHost.parse(host).map(FilterHost::canonical);
    }
}
