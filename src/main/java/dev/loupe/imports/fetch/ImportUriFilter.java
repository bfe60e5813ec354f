package dev.loupe.imports.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.compat.PythonRepr;
import dev.loupe.config.Config;
import dev.loupe.config.Options;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The checks an {@code import_from} location must pass when a task is created and at every redirect: upstream's
 * location checks, then the {@code [import_filtering_opts]} filter on scheme, host and explicit port. Nothing here
 * resolves names: whether a name leads somewhere safe is decided where the connection is made, against the address
 * actually connected to. Hosts are kept in the canonical form the filter compares them in.
 */
public record ImportUriFilter(
        List<String> allowedSchemes,
        List<String> disallowedSchemes,
        List<String> allowedHosts,
        List<String> disallowedHosts,
        List<Integer> allowedPorts,
        List<Integer> disallowedPorts) {

    private static final Pattern DOTTED_QUAD =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    /** Numbers in any base, alone or dotted: {@code 2130706433}, {@code 127.1}, {@code 0x7f.1}, {@code 0177.0.0.1}. */
    private static final Pattern NUMERIC_HOST =
            Pattern.compile("(0x[0-9a-f]*|\\d+)(\\.(0x[0-9a-f]*|\\d+))*\\.?", Pattern.CASE_INSENSITIVE);

    private static final Pattern HOST_NAME =
            Pattern.compile("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\\.?");

    private static final String FILTERED = "URI for legacy import task does not pass filtering: ";
    private static final String NO_HOST = "the URI has no host";

    private static final String NOT_A_URI = "The given uri is not valid. Please specify a valid uri from the"
            + " following list of supported uri ['http']";

    public ImportUriFilter {
        allowedSchemes = List.copyOf(allowedSchemes);
        disallowedSchemes = List.copyOf(disallowedSchemes);
        allowedHosts =
                allowedHosts.stream().map(h -> normalizeHost(h).orElse(h)).toList();
        disallowedHosts =
                disallowedHosts.stream().map(h -> normalizeHost(h).orElse(h)).toList();
        allowedPorts = List.copyOf(allowedPorts);
        disallowedPorts = List.copyOf(disallowedPorts);
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
     * Why {@code importFrom} may not be imported from, in upstream's words; empty when it may.
     *
     * @param importFrom the value of {@code import_from} as given (null when absent)
     */
    public Optional<String> refusal(JsonNode importFrom) {
        if (importFrom == null || importFrom.isNull() || importFrom.isMissingNode()) {
            return Optional.of("Invalid location: None");
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
     * Whether {@code allowed_hosts} names {@code host}, compared in the same canonical form as the filter compares
     * hosts. The operator chose such a host, so the fetcher lets it reach addresses it refuses otherwise.
     */
    public boolean namesAllowedHost(String host) {
        return normalizeHost(host).map(allowedHosts::contains).orElse(false);
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
        Optional<String> host = normalizeHost(authority.host());
        if (host.isEmpty()) {
            return Optional.of("the host is not a valid host name or address");
        }
        refused = listRefusal("host", authority.host(), host.get(), allowedHosts, disallowedHosts);
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
                    throw new IllegalArgumentException("the host is not a valid host name or address");
                }
                host = authority.substring(0, close + 1);
                String rest = authority.substring(close + 1);
                if (rest.startsWith(":")) {
                    port = rest.substring(1);
                } else if (!rest.isEmpty()) {
                    throw new IllegalArgumentException("the host is not a valid host name or address");
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

    /** The canonical form of a host, or empty for hosts that are refused outright (numeric encodings, junk). */
    public static Optional<String> normalizeHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            return ipv6(h);
        }
        if (DOTTED_QUAD.matcher(h).matches()) {
            return Optional.of(h);
        }
        if (h.contains(":")) {
            return ipv6("[" + h + "]");
        }
        if (NUMERIC_HOST.matcher(h).matches() || !HOST_NAME.matcher(h).matches()) {
            return Optional.empty();
        }
        return Optional.of(h.endsWith(".") ? h.substring(0, h.length() - 1) : h);
    }

    private static Optional<String> ipv6(String bracketed) {
        String literal = bracketed.substring(1, bracketed.length() - 1);
        if (!literal.matches("[0-9a-f:.]+")) {
            return Optional.empty();
        }
        try {
            // A bracketed literal is parsed, never looked up.
            return Optional.of(InetAddress.getByName(bracketed).getHostAddress());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
