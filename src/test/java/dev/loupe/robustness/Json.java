package dev.loupe.robustness;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Random JSON <em>text</em> (not trees), so a generator can produce what a JSON library would never write: numbers
 * out of every range, NaN, lone surrogate escapes, duplicate keys, nesting past any limit, cut-off documents.
 */
final class Json {

    /** Keys a create body may carry: the task schema's properties, their near misses and nonsense. */
    static final List<String> CREATE_KEYS = List.of(
            "type",
            "input",
            "id",
            "status",
            "owner",
            "message",
            "result",
            "expires_at",
            "created_at",
            "updated_at",
            "self",
            "schema",
            "image_id",
            "request_id",
            "user_id",
            "import_from",
            "import_from_format",
            "image_properties",
            "task_input",
            "typo",
            "Type",
            "INPUT",
            "",
            " type",
            "type ",
            "\u0000",
            "ty\u0000pe",
            "тип",
            "🙂",
            "deleted",
            "name");

    private static final List<String> TYPES = List.of(
            "import",
            "api_image_import",
            "location_import",
            "IMPORT",
            "export",
            "",
            "import ",
            " import",
            "impor",
            "clone",
            "import\u0000",
            "imp\u00f6rt");

    /**
     * Numbers whose exponent does not fit a BigDecimal scale (an int). Python reads them as 0.0 / inf; so must
     * Loupe, wherever they appear.
     */
    static final List<String> EXPONENT_OVERFLOW =
            List.of("1e-2147483649", "1e2147483648", "1e999999999999", "-1E-99999999999", "0.5e-2147483648");

    /**
     * Numbers with an exponent in the millions or more. Python reads them as 0.0 / inf at once; a reader that
     * expands them exactly spends seconds to minutes on one.
     */
    static final List<String> HUGE_EXPONENT =
            List.of("1e-999999999", "1e1000000", "1e2147483647", "-1e-2147483647", "1e10000000");

    private static final List<String> NUMBERS = java.util.stream.Stream.of(
                    List.of(
                            "0",
                            "-0",
                            "1",
                            "-1",
                            "1.5",
                            "-0.0",
                            "1e400",
                            "-1e400",
                            "1e-400",
                            "12345678901234567890123456789",
                            "-12345678901234567890123456789",
                            "1E16",
                            "1e+16",
                            "0.0001",
                            "0.00001",
                            "123456789.123",
                            "12345678.5",
                            "1e-9999",
                            "1e9999",
                            "-1.5E+999",
                            "9.999999999999999e22",
                            "5e-324",
                            "2.2250738585072014e-308",
                            "1.7976931348623157e308",
                            "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
                            "NaN",
                            "Infinity",
                            "-Infinity",
                            "0.1",
                            "3.141592653589793",
                            "1.0",
                            "100.0",
                            "01",
                            "1.",
                            ".5",
                            "+1",
                            "-",
                            "1e",
                            "0x10",
                            "1_000",
                            "--1",
                            "1.2.3"),
                    EXPONENT_OVERFLOW,
                    HUGE_EXPONENT)
            .flatMap(List::stream)
            .toList();

    private Json() {}

    static <T> T pick(Random r, List<T> items) {
        return items.get(r.nextInt(items.size()));
    }

    static String randomChars(Random r, String alphabet, int n) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            out.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return out.toString();
    }

    /** Text of every kind: plain, quotes and backslashes, controls, non-Latin scripts, emoji, invisible characters. */
    static String text(Random r) {
        int n = r.nextInt(10) == 0 ? r.nextInt(400) : r.nextInt(16);
        return switch (r.nextInt(6)) {
            case 0 -> randomChars(r, "abcdefghijklmnopqrstuvwxyz", n);
            case 1 -> randomChars(r, " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~azAZ09", n);
            case 2 -> randomChars(r, "\u0000\u0001\b\t\n\r\u001f\u007f\u0085\u00a0\u00ad\u200b\u2028\u2029\ufeff", n);
            case 3 -> codePoints(r, n);
            case 4 -> "";
            default ->
                pick(
                        r,
                        List.of(
                                "None",
                                "null",
                                "True",
                                "'",
                                "\"",
                                "\\",
                                "%s",
                                "%(project_id)s",
                                "${x}",
                                "<br />",
                                "<script>alert(1)</script>",
                                "../../etc/passwd",
                                "Robert'); DROP TABLE tasks;--",
                                "\u202eevil",
                                "a\u0301",
                                "日本語",
                                "ñ",
                                "🙂🙃",
                                "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
                                "\uD83D\uDE00"));
        };
    }

    private static String codePoints(Random r, int n) {
        int[][] ranges = {
            {0x20, 0x7e},
            {0x80, 0xff},
            {0x370, 0x3ff},
            {0x400, 0x4ff},
            {0x590, 0x6ff},
            {0x3040, 0x30ff},
            {0x4e00, 0x4fff},
            {0xe000, 0xe0ff},
            {0xfff0, 0xfffd},
            {0x1f300, 0x1f64f},
            {0x10000, 0x1007f},
            {0xe0000, 0xe007f},
            {0x10fff0, 0x10ffff}
        };
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int[] range = ranges[r.nextInt(ranges.length)];
            out.appendCodePoint(range[0] + r.nextInt(range[1] - range[0] + 1));
        }
        return out.toString();
    }

    /** A JSON string literal: escaped correctly, with escapes chosen at random, sometimes a lone surrogate. */
    static String string(Random r, String text) {
        StringBuilder out = new StringBuilder("\"");
        boolean escapeAll = r.nextInt(8) == 0;
        text.codePoints().forEach(cp -> {
            if (cp == '"' || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
            } else if (cp < 0x20) {
                out.append(String.format("\\u%04x", cp));
            } else if (escapeAll || cp > 0x7f && r.nextInt(6) == 0) {
                for (char c : Character.toChars(cp)) {
                    out.append(String.format(r.nextBoolean() ? "\\u%04x" : "\\u%04X", (int) c));
                }
            } else {
                out.appendCodePoint(cp);
            }
        });
        if (r.nextInt(25) == 0) {
            out.append(pick(r, List.of("\\ud800", "\\udfff", "\\ud83d", "\\ude00\\ud83d", "\\u0000", "\\/")));
        }
        return out.append('"').toString();
    }

    static String number(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> Long.toString(r.nextLong());
            case 1 ->
                Double.toString(r.nextDouble() * Math.pow(10, r.nextInt(40) - 20))
                        .toLowerCase();
            default -> pick(r, NUMBERS);
        };
    }

    static String value(Random r, int depth) {
        int kinds = depth <= 0 ? 5 : 7;
        return switch (r.nextInt(kinds)) {
            case 0 -> "null";
            case 1 -> r.nextBoolean() ? "true" : "false";
            case 2 -> number(r);
            case 3, 4 -> string(r, text(r));
            case 5 -> array(r, depth - 1);
            default -> object(r, depth - 1, CREATE_KEYS);
        };
    }

    static String array(Random r, int depth) {
        List<String> items = new ArrayList<>();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
            items.add(value(r, depth));
        }
        return "[" + String.join(r.nextBoolean() ? "," : ", ", items) + "]";
    }

    static String object(Random r, int depth, List<String> keys) {
        List<String> members = new ArrayList<>();
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            String key = r.nextInt(3) == 0 ? text(r) : pick(r, keys);
            members.add(string(r, key) + ":" + value(r, depth));
        }
        return "{" + String.join(", ", members) + "}";
    }

    /** Bodies close to a real create: type and input of every shape, extra schema keys of right and wrong types. */
    static String taskLike(Random r) {
        List<String> members = new ArrayList<>();
        if (r.nextInt(8) > 0) {
            members.add("\"type\": " + typeValue(r));
        }
        if (r.nextInt(8) > 0) {
            members.add("\"input\": " + inputValue(r));
        }
        int extra = r.nextInt(4) == 0 ? r.nextInt(4) : 0;
        for (int i = 0; i < extra; i++) {
            members.add(extraMember(r));
        }
        if (r.nextInt(10) == 0 && !members.isEmpty()) {
            members.add(members.get(r.nextInt(members.size()))); // a duplicate key
        }
        java.util.Collections.shuffle(members, r);
        return "{" + String.join(", ", members) + "}";
    }

    private static String typeValue(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> value(r, 1);
            case 1 -> string(r, text(r));
            default -> string(r, pick(r, TYPES));
        };
    }

    private static String inputValue(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> "null";
            case 1 -> "{}";
            case 2 -> value(r, 2);
            case 3 ->
                object(
                        r,
                        2,
                        List.of(
                                "import_from",
                                "import_from_format",
                                "image_properties",
                                "image_id",
                                "import_req",
                                "loc_url",
                                "validation_data"));
            case 4 -> "[" + importInput(r) + "]";
            default -> importInput(r);
        };
    }

    private static String importInput(Random r) {
        List<String> members = new ArrayList<>();
        members.add("\"import_from\": " + (r.nextInt(5) == 0 ? value(r, 1) : string(r, uri(r))));
        if (r.nextBoolean()) {
            members.add("\"import_from_format\": "
                    + string(r, pick(r, List.of("raw", "qcow2", "vmdk", "", "iso", text(r)))));
        }
        if (r.nextBoolean()) {
            members.add("\"image_properties\": "
                    + (r.nextInt(4) == 0
                            ? value(r, 2)
                            : "{\"disk_format\": " + string(r, pick(r, List.of("raw", "qcow2", "bogus", ""))) + ", "
                                    + "\"container_format\": "
                                    + string(r, pick(r, List.of("bare", "ova", "docker", "x")))
                                    + ", \"name\": " + string(r, text(r)) + "}"));
        }
        if (r.nextInt(4) == 0) {
            members.add("\"image_id\": "
                    + (r.nextBoolean() ? string(r, UUID.randomUUID().toString()) : value(r, 1)));
        }
        if (r.nextInt(6) == 0) {
            members.add(string(r, text(r)) + ": " + value(r, 2));
        }
        java.util.Collections.shuffle(members, r);
        return "{" + String.join(", ", members) + "}";
    }

    private static String extraMember(Random r) {
        String key = pick(
                r,
                List.of(
                        "id",
                        "status",
                        "owner",
                        "message",
                        "result",
                        "expires_at",
                        "created_at",
                        "updated_at",
                        "self",
                        "schema",
                        "image_id",
                        "request_id",
                        "user_id",
                        "task_input",
                        "typo"));
        String value = switch (r.nextInt(4)) {
            case 0 -> value(r, 1);
            case 1 -> string(r, UUID.randomUUID().toString());
            case 2 -> string(r, pick(r, List.of("pending", "processing", "success", "failure", "done")));
            default -> string(r, text(r));
        };
        return string(r, key) + ": " + value;
    }

    /**
     * Bodies a create should accept (201): a valid type with an input object full of odd values, which then travel
     * through the database and back out in the response.
     */
    static String acceptable(Random r) {
        String type = pick(r, List.of("api_image_import", "location_import", "import"));
        StringBuilder input = new StringBuilder("{");
        if (type.equals("import")) {
            input.append("\"import_from\": ")
                    .append(string(
                            r,
                            pick(
                                    r,
                                    List.of(
                                            "http://127.0.0.1/a.raw",
                                            "https://localhost/b.qcow2",
                                            "http://[::1]:80/c",
                                            "http://LOCALHOST./d?x=%00"))))
                    .append(", ");
        }
        input.append(string(r, "k")).append(": ").append(value(r, 3));
        for (int i = r.nextInt(4); i > 0; i--) {
            input.append(", ").append(string(r, text(r))).append(": ").append(value(r, 3));
        }
        String extra = r.nextInt(4) == 0 ? ", " + extraMember(r) : "";
        return "{\"type\": \"" + type + "\", \"input\": " + input.append("}") + extra + "}";
    }

    /** An import body: mostly well formed, with an import_from from every corner of URI syntax. */
    static String importBody(Random r) {
        String input = "{\"import_from\": " + string(r, uri(r))
                + (r.nextBoolean() ? ", \"import_from_format\": \"raw\"" : "")
                + (r.nextBoolean()
                        ? ", \"image_properties\": {\"disk_format\": \"raw\", \"container_format\":" + " \"bare\"}"
                        : "")
                + "}";
        return "{\"type\": \"import\", \"input\": " + input + "}";
    }

    static String uri(Random r) {
        if (r.nextInt(12) == 0) {
            return text(r);
        }
        String scheme = pick(
                r,
                List.of(
                        "http://",
                        "http://",
                        "http://",
                        "https://",
                        "https://",
                        "HTTP://",
                        "Http://",
                        "ftp://",
                        "file:///",
                        "file://",
                        "filesystem:///",
                        "swift://",
                        "cinder://",
                        "",
                        "http:",
                        "http:/",
                        "http:///",
                        "javascript:",
                        "gopher://",
                        "data:text/plain,",
                        "https:\\\\",
                        " http://",
                        "http ://",
                        "ssh://",
                        "s3://",
                        "rbd://"));
        String userInfo = r.nextInt(6) > 0
                ? ""
                : pick(r, List.of("user:pw@", "@", "a@b@", "user@", "127.0.0.1@", "evil.example@", ":@", "%40@"));
        String host = host(r);
        String port = r.nextInt(3) > 0
                ? ""
                : pick(
                        r,
                        List.of(
                                ":80",
                                ":443",
                                ":8080",
                                ":0",
                                ":65535",
                                ":65536",
                                ":-1",
                                ":abc",
                                ":",
                                ":99999999999",
                                ":080",
                                ": 80",
                                ":+80",
                                ":80:80"));
        String path = pick(
                r,
                List.of(
                        "",
                        "/",
                        "/image.raw",
                        "/%zz",
                        "/../../etc/passwd",
                        "/img?x=1#frag",
                        "/ünïcödé.qcow2",
                        "/a b",
                        "/" + "a".repeat(300),
                        "?",
                        "#",
                        "/%00",
                        "/%2e%2e/",
                        "\\path",
                        "/image.raw?token=%s"));
        return scheme + userInfo + host + port + path;
    }

    private static String host(Random r) {
        return pick(
                r,
                List.of(
                        // loopback in its many spellings (the only hosts this run's filter lets through)
                        "127.0.0.1",
                        "localhost",
                        "[::1]",
                        "LOCALHOST",
                        "127.0.0.1.",
                        "[0:0:0:0:0:0:0:1]",
                        "[::ffff:127.0.0.1]",
                        "localhost.",
                        // numeric encodings
                        "2130706433",
                        "127.1",
                        "0x7f000001",
                        "0177.0.0.1",
                        "0x7f.1",
                        "4294967296",
                        "999.999.999.999",
                        "1.2.3.4.5",
                        "0",
                        "0.0.0.0",
                        "01.02.03.04",
                        "0x",
                        "1e2",
                        "127.0.0.01",
                        // IPv6 literals, good and bad
                        "[::]",
                        "[fe80::1%25eth0]",
                        "[2001:db8::1]",
                        "[::g]",
                        "[1:2:3:4:5:6:7:8:9]",
                        "::1",
                        "[::1",
                        "::1]",
                        "[]",
                        "[[::1]]",
                        "[::ffff:7f00:1]",
                        "[v1.x]",
                        "[::1%2525]",
                        // names
                        "example.invalid",
                        "a_b.invalid",
                        "-a-.invalid",
                        "a..invalid",
                        ".",
                        "..",
                        "",
                        "xn--e1afmkfd.invalid",
                        "пример.испытание",
                        "例え.テスト",
                        "ex ample.invalid",
                        "%65xample.invalid",
                        "🙂.invalid",
                        "a".repeat(64) + ".invalid",
                        "a".repeat(300),
                        "host\u0000.invalid",
                        "EXAMPLE.INVALID",
                        "metadata.google.internal",
                        "169.254.169.254",
                        "10.0.0.1",
                        "192.168.1.1",
                        "[fd00::1]"));
    }

    /** Nesting to every depth around and far beyond any parser's limit, at the top or inside input. */
    static String deep(Random r) {
        int depth = pick(r, List.of(10, 100, 500, 998, 999, 1000, 1001, 1002, 1500, 5000, 20000));
        boolean arrays = r.nextBoolean();
        String open = arrays ? "[" : "{\"a\":";
        String close = arrays ? "]" : "}";
        String nested = open.repeat(depth) + (r.nextBoolean() ? "1" : "{}") + close.repeat(depth);
        return switch (r.nextInt(3)) {
            case 0 -> nested;
            case 1 -> "{\"type\": \"api_image_import\", \"input\": {\"x\": " + nested + "}}";
            default -> "{\"type\": \"import\", \"input\": " + nested + "}";
        };
    }

    /** Bodies around and over the size limit, built from long strings or many members. */
    static String huge(Random r) {
        int size = pick(r, List.of(1_000, 30_000, 65_000, 65_536, 65_600, 70_000, 200_000));
        return switch (r.nextInt(4)) {
            case 0 ->
                "{\"type\": \"import\", \"input\": {\"import_from\": \"http://127.0.0.1/" + "a".repeat(size) + "\"}}";
            case 1 -> "{\"type\": \"api_image_import\", \"input\": {\"blob\": \"" + "é".repeat(size / 2) + "\"}}";
            case 2 -> {
                StringBuilder members = new StringBuilder("{\"type\": \"location_import\", \"input\": {");
                for (int i = 0; members.length() < size; i++) {
                    members.append(i == 0 ? "" : ",")
                            .append("\"k")
                            .append(i)
                            .append("\": ")
                            .append(i);
                }
                yield members.append("}}").toString();
            }
            default -> "[" + "1,".repeat(size / 2) + "1]";
        };
    }

    static String truncate(Random r, String json) {
        String whole = json.strip();
        return whole.substring(0, r.nextInt(Math.max(1, whole.length())));
    }

    /** Bodies that are not JSON, or JSON only by a lax reading (comments, single quotes, trailing commas). */
    static String notJson(Random r) {
        return pick(
                r,
                List.of(
                        "",
                        " ",
                        "\n",
                        "type=import&input=x",
                        "<task><type>import</type></task>",
                        "{'type': 'import', 'input': {}}",
                        "{\"type\": \"import\", \"input\": {},}",
                        "{\"type\": \"import\", /* c */ \"input\": {}}",
                        "{\"type\": \"import\"} {\"input\": {}}",
                        "{\"type\": \"import\", \"input\": {}}garbage",
                        "\ufeff{\"type\": \"import\", \"input\": {}}",
                        "{type: import}",
                        "[1, 2,]",
                        "{\"a\" 1}",
                        "\"just a string\"",
                        "42",
                        "true",
                        "null",
                        "NaN",
                        "{\"type\": \"import\", \"input\": {\"import_from\": \"http://127.0.0.1/\\x41\"}}",
                        "{\"type\": \"import\", \"input\": {\"import_from\": \"tab\tinside\"}}",
                        "{\"type\": \"import\", \"input\": {\"import_from\": \"http://127.0.0.1/\\uZZZZ\"}}",
                        "\u0000",
                        "{\"\u0000\": 1}",
                        text(r)));
    }
}
