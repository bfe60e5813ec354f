package dev.loupe.imports.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Turns a host name into addresses. Every answer still passes the address check before a connection is made, so a
 * replacement (tests use one to give names chosen addresses) cannot open a way around it.
 */
@FunctionalInterface
public interface Resolver {

    /** The system's resolver, as the JVM sees it. */
    Resolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

    List<InetAddress> resolve(String host) throws UnknownHostException;
}
