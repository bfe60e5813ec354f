package dev.loupe.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.config.Config;
import dev.loupe.failure.LoupeException.BadConfiguration;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class S3SettingsTest {

    @TempDir
    Path dir;

    private S3Settings settings(String... overrides) {
        List<String> all = new ArrayList<>(List.of(
                "glance_store.s3_store_access_key=ak",
                "glance_store.s3_store_secret_key=sk",
                "glance_store.s3_store_bucket=images"));
        all.addAll(List.of(overrides));
        return S3Settings.from(Config.load(null, all, dir));
    }

    @Test
    void missingRequiredOptionsAreNamedInOneLine() {
        assertThatThrownBy(() -> S3Settings.from(Config.load(
                        null, List.of("glance_store.default_store=s3", "glance_store.s3_store_bucket=b"), dir)))
                .isInstanceOf(BadConfiguration.class)
                .hasMessage("The S3 store needs glance_store.s3_store_host, glance_store.s3_store_access_key,"
                        + " glance_store.s3_store_secret_key");
    }

    @Test
    void aHostWithoutSchemeIsPlainHttpAsInGlance() {
        S3Settings s = settings("glance_store.s3_store_host=ceph.example.org:7480");

        assertThat(s.endpoint()).isEqualTo(URI.create("http://ceph.example.org:7480"));
        assertThat(s.locationScheme()).isEqualTo("s3");
        assertThat(s.authority()).isEqualTo("ceph.example.org:7480");
        assertThat(s.region()).isEqualTo("us-east-1");
        assertThat(s.pathStyle()).isTrue();
    }

    @Test
    void anHttpsHostGivesS3PlusHttpsLocations() {
        S3Settings s = settings("glance_store.s3_store_host=https://minio.example.org/");

        assertThat(s.endpoint()).isEqualTo(URI.create("https://minio.example.org"));
        assertThat(s.locationScheme()).isEqualTo("s3+https");
        assertThat(s.authority()).isEqualTo("minio.example.org");
    }

    @Test
    void anAwsHostNamesItsRegionAndIsAddressedVirtually() {
        S3Settings s = settings("glance_store.s3_store_host=https://s3.eu-west-3.amazonaws.com");
        assertThat(s.region()).isEqualTo("eu-west-3");
        assertThat(s.pathStyle()).isFalse();

        assertThat(settings("glance_store.s3_store_host=s3-ap-south-1.amazonaws.com")
                        .region())
                .isEqualTo("ap-south-1");
        assertThat(settings("glance_store.s3_store_host=s3.amazonaws.com").region())
                .isEqualTo("us-east-1");
        assertThat(settings(
                                "glance_store.s3_store_host=s3.amazonaws.com",
                                "glance_store.s3_store_region_name=eu-central-1")
                        .region())
                .isEqualTo("eu-central-1");
    }

    @Test
    void theUrlFormatOptionOverridesTheGuess() {
        assertThat(settings(
                                "glance_store.s3_store_host=s3.amazonaws.com",
                                "glance_store.s3_store_bucket_url_format=path")
                        .pathStyle())
                .isTrue();
        assertThat(settings("glance_store.s3_store_host=ceph:80", "glance_store.s3_store_bucket_url_format=virtual")
                        .pathStyle())
                .isFalse();
    }

    @Test
    void sizesAreInMebibytesAndTheSizeCapComesFromDefault() {
        S3Settings s = settings(
                "glance_store.s3_store_host=h",
                "glance_store.s3_store_large_object_chunk_size=16",
                "glance_store.s3_store_large_object_size=0",
                "DEFAULT.image_size_cap=1000000");

        assertThat(s.partSize()).isEqualTo(16L << 20);
        assertThat(s.singlePutBelow()).isZero();
        assertThat(s.sizeCap()).isEqualTo(1_000_000);
        assertThat(s.maxParts()).isEqualTo(10_000);
        assertThat(s.threads()).isEqualTo(10);
    }

    @Test
    void partsSmallerThanFiveMebibytesAreRefusedAtLoad() {
        assertThatThrownBy(() ->
                        settings("glance_store.s3_store_host=h", "glance_store.s3_store_large_object_chunk_size=4"))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageContaining("s3_store_large_object_chunk_size");
    }

    @Test
    void checksumsAreWhenRequiredUnlessIntegrityProtectionIsOn() {
        S3Settings off = settings(
                "glance_store.s3_store_host=h", "glance_store.s3_store_request_checksum_calculation=when_supported");
        assertThat(off.requestChecksumsWhenSupported()).isFalse();

        S3Settings on = settings(
                "glance_store.s3_store_host=h",
                "glance_store.s3_store_enable_data_integrity_protection=true",
                "glance_store.s3_store_request_checksum_calculation=when_supported");
        assertThat(on.requestChecksumsWhenSupported()).isTrue();
        assertThat(on.responseChecksumsWhenSupported()).isFalse();
    }

    @Test
    void aHostWithAPathOrCredentialsIsRefused() {
        assertThatThrownBy(() -> settings("glance_store.s3_store_host=http://h/prefix"))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageStartingWith("glance_store.s3_store_host = http://h/prefix: expected host[:port]");
        assertThatThrownBy(() -> settings("glance_store.s3_store_host=ak:sk@h")).isInstanceOf(BadConfiguration.class);
    }

    @Test
    void theSecretKeyIsNeverShown() {
        assertThat(settings("glance_store.s3_store_host=h").toString()).doesNotContain("sk");
    }
}
