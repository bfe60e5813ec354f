package dev.loupe.http;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;

/**
 * Maps every version the client may ask for onto the one API Loupe serves, before routing, as upstream's
 * version-negotiation middleware does: {@code /v2.N/...} becomes {@code /v2/...}, {@code /versions/...} becomes
 * {@code /versions}, and a path without a version is served as {@code /v2/...} when the Accept header names an
 * images API version ({@code application/vnd.openstack.images-v2.N}).
 */
final class VersionNegotiation implements Filter {

    private static final String MEDIA_TYPE_PREFIX = "application/vnd.openstack.images-";

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        String path = http.getRequestURI();
        String rewritten = rewrite(path, http.getHeader("Accept"));
        chain.doFilter(
                rewritten.equals(path)
                        ? request
                        : new HttpServletRequestWrapper(http) {
                            @Override
                            public String getRequestURI() {
                                return rewritten;
                            }
                        },
                response);
    }

    static String rewrite(String path, String accept) {
        String first = firstSegment(path);
        String rest = path.substring(Math.min(path.length(), first.length() + 1));
        if (first.equals("versions")) {
            return "/versions";
        }
        if (Versions.PREFIXES.contains(first)) {
            return "/v2" + rest;
        }
        if (accept != null && accept.startsWith(MEDIA_TYPE_PREFIX)) {
            String version = accept.substring(MEDIA_TYPE_PREFIX.length()).split("[;,\\s]", 2)[0];
            if (Versions.PREFIXES.contains(version)) {
                return "/v2" + path;
            }
        }
        return path;
    }

    static String firstSegment(String path) {
        return path.length() <= 1 ? "" : path.substring(1).split("/", 2)[0];
    }
}
