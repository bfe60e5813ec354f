package dev.loupe.imports.fetch;

import java.io.IOException;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Opens import sources over http(s) (docs/compatibility.md, "The address connected to", "Redirects" and "Failure
 * messages"). Every hop, the first and each redirect, must pass the {@code [import_filtering_opts]} filter and the
 * address check, which is why redirects are followed here and not by OkHttp. The body is handed over as it arrives,
 * never held.
 */
public final class Fetcher {

    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    private static final Pattern SCHEME =
            Pattern.compile("([a-z][a-z0-9+.-]*):.*", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private final FetchSettings settings;
    private final CheckedDns dns;
    private OkHttpClient client;

    public Fetcher(FetchSettings settings) {
        this.settings = settings;
        this.dns = new CheckedDns(settings.filter(), settings.resolver());
    }

    /**
     * The client, built at the first fetch: building one loads OkHttp and the JDK's trust store, work a start that
     * imports nothing yet need not wait for.
     */
    private synchronized OkHttpClient client() {
        if (client == null) {
            OkHttpClient.Builder builder = new OkHttpClient.Builder()
                    .dns(dns)
                    // A proxy would resolve the name and connect on our behalf, out of reach of the address check.
                    .proxy(Proxy.NO_PROXY)
                    .followRedirects(false)
                    .followSslRedirects(false)
                    // A failed attempt is reported as it happened, not retried on OkHttp's own terms.
                    .retryOnConnectionFailure(false)
                    // Each import gets a fresh connection: reuse saves nothing on a large download, and an idle pooled
                    // connection the source has closed would fail the next import.
                    .connectionPool(new ConnectionPool(0, 1, TimeUnit.SECONDS))
                    .connectTimeout(settings.connectTimeout())
                    .readTimeout(settings.readTimeout());
            if (settings.trust() != null) {
                builder.sslSocketFactory(
                        settings.trust().sslContext().getSocketFactory(),
                        settings.trust().trustManager());
            }
            client = builder.build();
        }
        return client;
    }

    /** Opens the source; the caller reads the body once, streaming, and closes the source. */
    public Source open(String uri) throws FetchFailure {
        return open(uri, null);
    }

    /**
     * Opens the source to be read to its end even when the connection breaks: after a break the rest is asked for
     * with {@code Range} and {@code If-Range} (the address checks included, as for any request), up to {@code retries}
     * times in a row, after a backoff that starts at {@code backoff} and doubles.
     *
     * @param from      where to start: what an earlier run already holds, 0 for the start
     * @param validator the validator the source gave the earlier run ({@link ResumableSource#validator()}); null
     *                  when {@code from} is 0
     * @param listener  told of each resume and start over
     */
    public ResumableSource openResumable(
            String uri, long from, String validator, int retries, Duration backoff, ResumableSource.Listener listener)
            throws FetchFailure {
        return ResumableSource.open(this, uri, from, validator, retries, backoff, listener);
    }

    /** A request for the bytes from {@code from} on, only if the source still has the version {@code validator}. */
    record Range(long from, String validator) {}

    Source open(String uri, Range range) throws FetchFailure {
        HttpUrl url = admit(null, uri, HttpUrl.parse(uri), uri, "Refused to fetch from " + uri + ": ");
        String via = "";
        for (int followed = 0; ; followed++) {
            ConnectionWatch watch = new ConnectionWatch();
            Call call = call(url, watch, range);
            Response response = request(call, watch, url, via);
            String location = response.header("Location");
            if (!REDIRECTS.contains(response.code()) || location == null) {
                return source(call, response, url, range);
            }
            response.close();
            if (followed == settings.maxRedirects()) {
                throw new FetchFailure(
                        "Too many redirects (more than " + settings.maxRedirects() + ") fetching " + uri);
            }
            HttpUrl resolved = url.resolve(location);
            // A location naming its own host is shown as written, so the refusal names the spelling it judged.
            String target = resolved == null
                    ? location
                    : WrittenAuthority.of(url, location).isPresent()
                            ? WrittenAuthority.shown(url, location)
                            : resolved.toString();
            HttpUrl next =
                    admit(url, location, resolved, target, "Refused redirect from " + url + " to " + target + ": ");
            via = " (redirected from " + url + ")";
            url = next;
        }
    }

    /**
     * The hop to fetch, once it is known to be an http(s) URL that passes the filter twice: with its host as the
     * reference writes it, since an allow-list entry allows that spelling only, and as OkHttp will connect to it.
     *
     * @param base      the URL {@code reference} was resolved against; null for the first hop
     * @param reference the URL or redirect location as given
     * @param url       {@code reference} as OkHttp parsed it; null when it could not
     * @param target    the hop as refusals name it
     */
    private HttpUrl admit(HttpUrl base, String reference, HttpUrl url, String target, String refusal)
            throws FetchFailure {
        if (url == null) {
            Matcher scheme = SCHEME.matcher(target);
            boolean otherScheme = scheme.matches()
                    && !Set.of("http", "https").contains(scheme.group(1).toLowerCase(Locale.ROOT));
            throw new FetchFailure(
                    refusal + (otherScheme ? "only http and https sources can be fetched" : "not a valid URL"));
        }
        ImportUriFilter filter = settings.filter();
        // Only scheme, host and port are the filter's business, so only they are checked (a path java.net.URI
        // would call malformed is no reason to refuse).
        String connected = WrittenAuthority.of(null, url.toString()).orElseThrow();
        Optional<String> refused = WrittenAuthority.of(base, reference)
                .flatMap(written -> filter.filterRefusal(written, target))
                .or(() -> filter.filterRefusal(connected, target));
        if (refused.isPresent()) {
            throw new FetchFailure(refusal + refused.get());
        }
        return url;
    }

    /** A request for the hop, watched so that failures can tell a refused connection from a broken one. */
    private Call call(HttpUrl url, ConnectionWatch watch, Range range) {
        Request.Builder request = new Request.Builder()
                .url(url)
                // Otherwise OkHttp asks for gzip and unpacks it, hiding the real bytes and length of the image.
                .header("Accept-Encoding", "identity");
        if (range != null) {
            request.header("Range", "bytes=" + range.from() + "-").header("If-Range", range.validator());
        }
        return client().newBuilder().eventListener(watch).build().newCall(request.build());
    }

    private Response request(Call call, ConnectionWatch watch, HttpUrl url, String via) throws FetchFailure {
        try {
            dns.checkLiteral(url.host());
            return call.execute();
        } catch (CheckedDns.Refused e) {
            throw new FetchFailure("Refused to fetch from " + url + via + ": " + e.getMessage(), e);
        } catch (CheckedDns.Unresolvable e) {
            throw new FetchFailure(e.getMessage(), e);
        } catch (SocketTimeoutException e) {
            throw new FetchFailure(
                    watch.connected
                            ? "Source stopped sending data for " + FetchSettings.seconds(settings.readTimeout())
                            : "Cannot connect to " + url + " within "
                                    + FetchSettings.seconds(settings.connectTimeout()),
                    e,
                    true);
        } catch (IOException e) {
            String what = watch.connected ? "Connection to " + url + " failed: " : "Cannot connect to " + url + ": ";
            if (untrustedCertificate(e)) {
                throw new FetchFailure(
                        what + "its TLS certificate is not signed by an authority Loupe trusts (" + innermostMessage(e)
                                + "); a private authority's certificate goes in [task] source_ca_file",
                        e);
            }
            throw new FetchFailure(what + innermostMessage(e), e, true);
        }
    }

    private Source source(Call call, Response response, HttpUrl url, Range range) throws FetchFailure {
        if (!response.isSuccessful()) {
            response.close();
            throw new FetchFailure(
                            "Source answered HTTP " + ReasonPhrases.status(response.code(), response.message()),
                            null,
                            range != null && response.code() >= 500)
                    .answered(response.code());
        }
        long length = response.body().contentLength();
        long start = 0;
        long total = length;
        if (range != null && response.code() == 206) {
            // bytes FIRST-LAST/TOTAL; a range other than the one asked for is not the rest of the data.
            Matcher contentRange = CONTENT_RANGE.matcher(String.valueOf(response.header("Content-Range")));
            if (!contentRange.matches() || Long.parseLong(contentRange.group(1)) != range.from()) {
                response.close();
                throw new FetchFailure(
                        "Source answered a request for its bytes from " + range.from() + " with the range "
                                + response.header("Content-Range"),
                        null,
                        false);
            }
            start = range.from();
            total = contentRange.group(3).equals("*") ? -1 : Long.parseLong(contentRange.group(3));
        } else if (response.code() == 206) {
            response.close();
            throw new FetchFailure("Source answered HTTP 206 Partial Content to a request for all its data");
        }
        if (total > settings.sizeCap()) {
            response.close();
            throw new FetchFailure(
                    "Source is " + total + " bytes, over the image_size_cap of " + settings.sizeCap() + " bytes");
        }
        return new Source(
                call,
                response,
                new MeteredBody(response.body().byteStream(), start, total, settings.sizeCap(), settings.readTimeout()),
                url.toString(),
                start,
                total);
    }

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private static boolean untrustedCertificate(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertPathBuilderException || cause instanceof CertPathValidatorException) {
                return true;
            }
        }
        return false;
    }

    /**
     * OkHttp wraps the cause that says what happened ({@code Connection refused}, an untrusted certificate) in
     * exceptions that only say where.
     */
    private static String innermostMessage(Throwable e) {
        String message = e.getMessage();
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null) {
                message = cause.getMessage();
            }
        }
        return message;
    }

    /** Tells a timeout while connecting from one while waiting for the answer. */
    private static final class ConnectionWatch extends EventListener {
        volatile boolean connected;

        @Override
        public void connectionAcquired(Call call, Connection connection) {
            connected = true;
        }
    }
}
