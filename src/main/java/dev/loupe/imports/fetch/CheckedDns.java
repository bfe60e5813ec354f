package dev.loupe.imports.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import okhttp3.Dns;

/**
 * The address check of import connections (docs/compatibility.md, "The address connected to"). OkHttp asks this for
 * the addresses of a host and connects only to what it returns, so the addresses checked are the addresses connected
 * to: a name that answers differently on a second lookup (DNS rebinding) gets no second lookup. Hosts named in
 * {@code allowed_hosts} are not checked.
 */
final class CheckedDns implements Dns {

    /** What OkHttp treats as an IP literal, which it connects to without asking {@link Dns}. */
    private static final Pattern LITERAL = Pattern.compile("[0-9a-f]*:[0-9a-f:.]*|[0-9.]+");

    private static final String HOW_TO_ALLOW = " (allow it with [import_filtering_opts] allowed_hosts)";

    private final ImportUriFilter filter;
    private final Resolver resolver;

    CheckedDns(ImportUriFilter filter, Resolver resolver) {
        this.filter = filter;
        this.resolver = resolver;
    }

    @Override
    public List<InetAddress> lookup(String host) throws UnknownHostException {
        List<InetAddress> addresses;
        try {
            addresses = List.copyOf(resolver.resolve(host));
        } catch (UnknownHostException e) {
            throw new Unresolvable(host);
        }
        if (addresses.isEmpty()) {
            throw new Unresolvable(host);
        }
        if (filter.namesAllowedHost(host)) {
            return addresses;
        }
        // One refused address refuses the name: a name that also points inside is not a plain public source.
        for (InetAddress address : addresses) {
            Optional<String> kind = AddressPolicy.refusal(address);
            if (kind.isPresent()) {
                throw new Refused(host + " resolves to " + address.getHostAddress() + ", " + kind.get() + HOW_TO_ALLOW);
            }
        }
        return addresses;
    }

    /** Applies the same check to a host that OkHttp will connect to as an IP literal, never asking {@link #lookup}. */
    void checkLiteral(String host) throws UnknownHostException {
        if (!LITERAL.matcher(host).matches() || filter.namesAllowedHost(host)) {
            return;
        }
        // Java reads 127.1 or 2130706433 as addresses and sends other digit strings to DNS; only plain forms pass.
        if (!host.contains(":") && ImportUriFilter.normalizeHost(host).isEmpty()) {
            throw new Refused(host + " is not a dotted-quad IPv4 address");
        }
        Optional<String> kind = AddressPolicy.refusal(InetAddress.getByName(host));
        if (kind.isPresent()) {
            throw new Refused(host + " is " + kind.get() + HOW_TO_ALLOW);
        }
    }

    /** The host's addresses may not be connected to; the message says why. */
    static final class Refused extends UnknownHostException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** The host has no address. */
    static final class Unresolvable extends UnknownHostException {
        private static final long serialVersionUID = 1L;

        Unresolvable(String host) {
            super("Cannot resolve host " + host);
        }
    }
}
