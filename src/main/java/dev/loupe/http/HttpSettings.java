package dev.loupe.http;

import dev.loupe.config.Config;
import dev.loupe.config.Options;

/**
 * Where and how the API listens.
 *
 * @param publicEndpoint base URL advertised in links; empty for the URL of the request
 * @param maxBodyBytes   request bodies larger than this are refused with 413
 * @param accessLog      whether each request is logged, one line each
 */
public record HttpSettings(String bindHost, int bindPort, String publicEndpoint, int maxBodyBytes, boolean accessLog) {

    public static HttpSettings from(Config config) {
        return new HttpSettings(
                config.get(Options.BIND_HOST),
                config.get(Options.BIND_PORT),
                config.get(Options.PUBLIC_ENDPOINT),
                config.get(Options.MAX_REQUEST_BODY_BYTES),
                config.get(Options.ACCESS_LOG));
    }
}
