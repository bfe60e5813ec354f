package dev.loupe.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** The certificate authorities a TLS client of Loupe's trusts, read from a PEM file an operator names. */
public final class TrustBundle {

    private final X509TrustManager trustManager;

    private TrustBundle(X509TrustManager trustManager) {
        this.trustManager = trustManager;
    }

    /**
     * The PEM file's certificates only.
     *
     * @throws IOException when the file cannot be read, holds no certificate, or one of them cannot be parsed
     */
    public static TrustBundle only(Path pem) throws IOException {
        return new TrustBundle(trusting(read(pem)));
    }

    /** The JDK's trusted authorities (its trust store, or the one the javax.net.ssl properties name) and the file's. */
    public static TrustBundle withDefaults(Path pem) throws IOException {
        List<Certificate> certificates = new ArrayList<>(read(pem));
        certificates.addAll(List.of(defaults().getAcceptedIssuers()));
        return new TrustBundle(trusting(certificates));
    }

    public X509TrustManager trustManager() {
        return trustManager;
    }

    /** A TLS context that checks servers against these authorities. */
    public SSLContext sslContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustManager}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK offers TLS", e);
        }
    }

    private static List<Certificate> read(Path pem) throws IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            List<Certificate> certificates =
                    List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
            if (certificates.isEmpty()) {
                throw new IOException(pem + " holds no certificate");
            }
            return certificates;
        } catch (GeneralSecurityException e) {
            throw new IOException(pem + " is not a PEM file of certificates: " + e.getMessage(), e);
        }
    }

    private static X509TrustManager trusting(List<Certificate> certificates) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("ca-" + n++, certificate);
            }
            return x509(factory(store));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("an in-memory trust store takes any certificate", e);
        }
    }

    private static X509TrustManager defaults() {
        try {
            return x509(factory(null));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has a default trust store", e);
        }
    }

    private static TrustManagerFactory factory(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory;
    }

    private static X509TrustManager x509(TrustManagerFactory factory) {
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return x509;
            }
        }
        throw new IllegalStateException("the JDK's trust manager factory gives an X509TrustManager");
    }
}
