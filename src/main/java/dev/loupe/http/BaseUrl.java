package dev.loupe.http;

import io.javalin.http.Context;

/**
 * The URL clients reach Loupe at, for absolute links (versions document, {@code Location}): {@code [DEFAULT]
 * public_endpoint} when a proxy fronts Loupe, otherwise the scheme and host of the request.
 */
record BaseUrl(String publicEndpoint) {

    String of(Context ctx) {
        String base = publicEndpoint.isEmpty() ? ctx.scheme() + "://" + ctx.host() : publicEndpoint;
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }
}
