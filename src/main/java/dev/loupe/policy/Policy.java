package dev.loupe.policy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.loupe.failure.LoupeException.BadConfiguration;
import dev.loupe.failure.LoupeException.Forbidden;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Named access rules in oslo.policy's rule language, so operators can reuse their Glance policy file.
 * Rules are parsed once, when the policy is built; every rule string is checked then, so a bad file stops Loupe at
 * start instead of denying (or allowing) requests later.
 */
public final class Policy {

    private static final String DEFAULT_RULE = "default";

    // Glance's names and defaults for what Loupe enforces. As in Glance, the empty "default" allows any name that no
    // rule defines.
    // cancel_task is Loupe's own (Glance has no cancel): whoever may use the Tasks API may cancel.
    // publicize_image is Glance's one image rule whose default (admins) is not OR-ed with "default" in Glance 25.1;
    // the others (add_image, modify_image, upload_image, deactivate, ...) fall back to "default", as there.
    private static final Map<String, String> DEFAULT_RULES = Map.of(
            "context_is_admin",
            "role:admin",
            "tasks_api_access",
            "rule:context_is_admin",
            "cancel_task",
            "rule:tasks_api_access",
            "publicize_image",
            "role:admin",
            DEFAULT_RULE,
            "");

    private static final Policy DEFAULTS = new Policy(parseDefaults());

    // A repeated rule name in a hand-edited file is almost always a mistake, and only one of the two would win.
    private static final ObjectMapper YAML =
            new YAMLMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    // JSON is YAML, except that SnakeYAML refuses tab indentation, which JSON allows; so .json files get a JSON parser.
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    private final Map<String, Check> rules;

    private Policy(Map<String, Check> rules) {
        this.rules = Map.copyOf(rules);
    }

    /**
     * Built-in rules: "context_is_admin" is role:admin, "tasks_api_access" is rule:context_is_admin, "cancel_task" is
     * rule:tasks_api_access, "publicize_image" is role:admin, and "default" allows everyone.
     */
    public static Policy defaults() {
        return DEFAULTS;
    }

    /**
     * Reads a YAML file (JSON when its name ends in .json) mapping rule names to rule strings. Its rules override the
     * defaults; rules it lacks keep them. A file with no rules at all, such as Glance's all-commented sample, leaves
     * the defaults unchanged.
     *
     * @throws BadConfiguration naming the file, and the rule where one is at fault, when the file cannot be read,
     *     is not a mapping of names to strings, has a rule that does not parse, or has rules that refer to each other
     *     in a cycle
     */
    public static Policy load(Path file) {
        Map<String, Check> rules = new HashMap<>(DEFAULTS.rules);
        readRules(file).forEach((name, text) -> {
            try {
                rules.put(name, RuleParser.parse(text));
            } catch (RuleSyntaxException e) {
                throw new BadConfiguration(
                        "policy file %s: rule \"%s\" does not parse: \"%s\": %s"
                                .formatted(file, name, text, e.getMessage()),
                        e);
            }
        });
        RuleCycles.find(rules).ifPresent(cycle -> {
            throw new BadConfiguration("policy file %s: rule \"%s\" refers to itself: %s"
                    .formatted(file, cycle.getFirst(), String.join(" -> ", cycle)));
        });
        return new Policy(rules);
    }

    /**
     * Whether rule {@code name} passes for the caller against the target (keys such as "project_id" or "owner";
     * values may be null, and a null never matches). A name with no rule falls back to the "default" rule, as in oslo.
     */
    public boolean allows(String name, Credentials creds, Map<String, String> target) {
        Objects.requireNonNull(creds, "creds");
        Objects.requireNonNull(target, "target");
        Check rule = rules.getOrDefault(name, rules.get(DEFAULT_RULE));
        return rule.test(new Evaluation(creds, target, rules));
    }

    /** The caller of a request, an admin when {@code context_is_admin} passes for its project. */
    public Caller caller(Credentials creds, String requestId) {
        return new Caller(creds, requestId, allows("context_is_admin", creds, projectTarget(creds)));
    }

    /** Throws 403 with upstream's message unless rule {@code name} passes for the caller on its own project. */
    public void enforce(String name, Caller caller) {
        enforce(name, caller, projectTarget(caller.credentials()));
    }

    /** Throws 403 with upstream's message unless rule {@code name} passes for the caller against the target. */
    public void enforce(String name, Caller caller, Map<String, String> target) {
        if (!allows(name, caller.credentials(), target)) {
            throw new Forbidden("You are not authorized to complete " + name + " action.");
        }
    }

    private static Map<String, String> projectTarget(Credentials creds) {
        Map<String, String> target = new HashMap<>();
        target.put("project_id", creds.projectId());
        return target;
    }

    private static Map<String, Check> parseDefaults() {
        Map<String, Check> rules = new HashMap<>();
        DEFAULT_RULES.forEach((name, text) -> rules.put(name, RuleParser.parse(text)));
        return rules;
    }

    private static Map<String, String> readRules(Path file) {
        JsonNode root;
        try (InputStream in = Files.newInputStream(file)) {
            root = (file.getFileName().toString().endsWith(".json") ? JSON : YAML).readTree(in);
        } catch (NoSuchFileException e) {
            throw new BadConfiguration("policy file %s does not exist".formatted(file), e);
        } catch (IOException e) {
            throw new BadConfiguration("cannot read policy file %s: %s".formatted(file, e.getMessage()), e);
        }
        if (root.isMissingNode() || root.isNull()) {
            return Map.of();
        }
        if (!root.isObject()) {
            throw new BadConfiguration(
                    "policy file %s must map rule names to rule strings, not be %s".formatted(file, describe(root)));
        }
        Map<String, String> texts = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            JsonNode value = entry.getValue();
            if (!value.isTextual()) {
                // Also catches oslo's old list-of-lists rules, which Loupe does not support.
                throw new BadConfiguration("policy file %s: rule \"%s\" must be a rule string, not %s"
                        .formatted(file, entry.getKey(), describe(value)));
            }
            texts.put(entry.getKey(), value.textValue());
        }
        return texts;
    }

    /** In the operator's YAML terms rather than Jackson's. */
    private static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "a mapping";
            case NULL -> "empty";
            default -> "a " + node.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }
}
