package dev.loupe.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.failure.LoupeException.BadConfiguration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyTest {

    private static final Credentials MEMBER = new Credentials("project-1", "user-1", Set.of("member", "reader"));
    private static final Credentials ADMIN = new Credentials("project-2", "user-2", Set.of("admin"));

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void defaultsGiveTasksApiAccessToAdminsOnly() {
        Policy policy = Policy.defaults();
        assertThat(policy.allows("tasks_api_access", ADMIN, Map.of())).isTrue();
        assertThat(policy.allows("tasks_api_access", MEMBER, Map.of())).isFalse();
        assertThat(policy.allows("context_is_admin", ADMIN, Map.of())).isTrue();
    }

    @Test
    void unknownRuleNameFallsBackToPermissiveDefault() {
        assertThat(Policy.defaults().allows("get_task", MEMBER, Map.of())).isTrue();
    }

    @Test
    void unknownRuleNameFallsBackToDefaultRuleFromFile() throws IOException {
        Policy policy = Policy.load(write("policy.yaml", "default: 'role:admin'\n"));
        assertThat(policy.allows("get_task", MEMBER, Map.of())).isFalse();
        assertThat(policy.allows("get_task", ADMIN, Map.of())).isTrue();
    }

    @Test
    void referenceToUndefinedRuleIsFalseEvenThoughDefaultAllows() throws IOException {
        Policy policy = Policy.load(write("policy.yaml", "get_task: 'rule:no_such_rule'\n"));
        assertThat(policy.allows("get_task", ADMIN, Map.of())).isFalse();
    }

    @Test
    void yamlRulesOverrideDefaultsAndOthersKeepThem() throws IOException {
        Path file = write("policy.yaml", """
                # members of the owning project may use tasks too
                tasks_api_access: "rule:context_is_admin or project_id:%(owner)s"
                """);
        Policy policy = Policy.load(file);
        assertThat(policy.allows("tasks_api_access", MEMBER, Map.of("owner", "project-1")))
                .isTrue();
        assertThat(policy.allows("tasks_api_access", MEMBER, Map.of("owner", "project-9")))
                .isFalse();
        assertThat(policy.allows("tasks_api_access", ADMIN, Map.of("owner", "project-9")))
                .isTrue();
        assertThat(policy.allows("context_is_admin", MEMBER, Map.of())).isFalse();
    }

    @Test
    void overridingReferencedRuleChangesRulesThatReferToIt() throws IOException {
        Policy policy = Policy.load(write("policy.yaml", "context_is_admin: 'role:cloud_admin'\n"));
        assertThat(policy.allows("tasks_api_access", ADMIN, Map.of())).isFalse();
        assertThat(policy.allows("tasks_api_access", new Credentials("p", "u", Set.of("cloud_admin")), Map.of()))
                .isTrue();
    }

    @Test
    void jsonFileLoads() throws IOException {
        Path file = write("policy.json", """
                {
                    "context_is_admin": "role:admin or role:operator",
                    "default": "!"
                }
                """);
        Policy policy = Policy.load(file);
        assertThat(policy.allows("tasks_api_access", new Credentials("p", "u", Set.of("operator")), Map.of()))
                .isTrue();
        assertThat(policy.allows("anything_else", ADMIN, Map.of())).isFalse();
    }

    @Test
    void jsonFileIndentedWithTabsLoads() throws IOException {
        Path file = write("policy.json", "{\n\t\"default\": \"!\"\n}\n");
        assertThat(Policy.load(file).allows("anything_else", ADMIN, Map.of())).isFalse();
    }

    @Test
    void glanceStyleRuleFromFileEvaluates() throws IOException {
        Path file = write("policy.yaml", """
                get_image: "role:admin or (role:reader and (project_id:%(project_id)s or 'public':%(visibility)s))"
                """);
        Policy policy = Policy.load(file);
        assertThat(policy.allows("get_image", MEMBER, Map.of("project_id", "project-9", "visibility", "public")))
                .isTrue();
        assertThat(policy.allows("get_image", MEMBER, Map.of("project_id", "project-1", "visibility", "private")))
                .isTrue();
        assertThat(policy.allows("get_image", MEMBER, Map.of("project_id", "project-9", "visibility", "private")))
                .isFalse();
    }

    @Test
    void fileWithOnlyCommentsKeepsDefaults() throws IOException {
        Policy policy = Policy.load(write("policy.yaml", "#\"tasks_api_access\": \"role:member\"\n"));
        assertThat(policy.allows("tasks_api_access", MEMBER, Map.of())).isFalse();
        assertThat(policy.allows("tasks_api_access", ADMIN, Map.of())).isTrue();
    }

    @Test
    void emptyFileKeepsDefaults() throws IOException {
        Policy policy = Policy.load(write("policy.yaml", ""));
        assertThat(policy.allows("tasks_api_access", ADMIN, Map.of())).isTrue();
    }

    @Test
    void missingFileIsRefusedNamingIt() {
        Path missing = dir.resolve("absent.yaml");
        assertThatThrownBy(() -> Policy.load(missing))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void unreadableYamlIsRefusedNamingFile() throws IOException {
        Path file = write("policy.yaml", "tasks_api_access: [unclosed\n");
        assertThatThrownBy(() -> Policy.load(file))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageContaining("cannot read policy file " + file);
    }

    @Test
    void fileThatIsNotAMappingIsRefused() throws IOException {
        Path file = write("policy.yaml", "- role:admin\n");
        assertThatThrownBy(() -> Policy.load(file))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("must map rule names to rule strings, not be a list");
    }

    @Test
    void ruleThatIsNotAStringIsRefusedNamingRule() throws IOException {
        Path file = write("policy.yaml", "tasks_api_access: 42\n");
        assertThatThrownBy(() -> Policy.load(file))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("rule \"tasks_api_access\" must be a rule string, not a number");
    }

    @Test
    void oldListOfListsSyntaxIsRefusedNamingRule() throws IOException {
        Path file = write("policy.json", "{\"tasks_api_access\": [[\"role:admin\"]]}");
        assertThatThrownBy(() -> Policy.load(file))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageContaining("rule \"tasks_api_access\" must be a rule string, not a list");
    }

    @Test
    void ruleWithNoValueIsRefusedNamingRule() throws IOException {
        Path file = write("policy.yaml", "tasks_api_access:\n");
        assertThatThrownBy(() -> Policy.load(file))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageContaining("rule \"tasks_api_access\" must be a rule string, not empty");
    }

    @Test
    void repeatedRuleNameIsRefused() throws IOException {
        Path file = write("policy.yaml", "default: ''\ndefault: '!'\n");
        assertThatThrownBy(() -> Policy.load(file))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("default");
    }

    @Test
    void unparseableRuleIsRefusedNamingRuleAndText() throws IOException {
        Path file = write("policy.yaml", "tasks_api_access: 'role:admin and'\n");
        assertThatThrownBy(() -> Policy.load(file))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("rule \"tasks_api_access\"")
                .hasMessageContaining("\"role:admin and\"")
                .hasMessageContaining("expected a check but found the end of the rule");
    }

    @Test
    void unknownCheckKindIsRefusedNamingRule() throws IOException {
        Path file = write("policy.yaml", "get_task: 'role:admin or foo'\n");
        assertThatThrownBy(() -> Policy.load(file))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageContaining("rule \"get_task\"")
                .hasMessageContaining("'foo' is not a check");
    }

    @Test
    void cycleBetweenFileRulesIsRefused() throws IOException {
        Path file = write("policy.yaml", """
                a: "rule:b"
                b: "role:admin or rule:a"
                """);
        assertThatThrownBy(() -> Policy.load(file))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("a -> b -> a");
    }

    @Test
    void ruleReferringToItselfIsRefused() throws IOException {
        Path file = write("policy.yaml", "get_task: 'not rule:get_task'\n");
        assertThatThrownBy(() -> Policy.load(file))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageContaining("rule \"get_task\" refers to itself: get_task -> get_task");
    }

    @Test
    void cycleThroughDefaultRuleIsRefused() throws IOException {
        Path file = write("policy.yaml", "context_is_admin: 'rule:tasks_api_access'\n");
        assertThatThrownBy(() -> Policy.load(file))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageContaining("tasks_api_access -> context_is_admin -> tasks_api_access");
    }
}
