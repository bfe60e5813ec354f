package dev.loupe.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RuleLanguageTest {

    private static final Credentials MEMBER = new Credentials("project-1", "user-1", Set.of("member", "reader"));
    private static final Credentials ADMIN = new Credentials("project-2", "user-2", Set.of("admin"));
    private static final Credentials ANONYMOUS = new Credentials(null, null, Set.of());

    private static boolean passes(String rule, Credentials creds) {
        return passes(rule, creds, Map.of());
    }

    private static boolean passes(String rule, Credentials creds, Map<String, String> target) {
        return RuleParser.parse(rule).test(new Evaluation(creds, target, Map.of()));
    }

    @Test
    void emptyRuleAndAtAllowEveryone() {
        assertThat(passes("", ANONYMOUS)).isTrue();
        assertThat(passes("@", ANONYMOUS)).isTrue();
    }

    @Test
    void bangDeniesEveryone() {
        assertThat(passes("!", ADMIN)).isFalse();
    }

    @Test
    void roleCheckPassesOnlyForCallersWithThatRole() {
        assertThat(passes("role:admin", ADMIN)).isTrue();
        assertThat(passes("role:admin", MEMBER)).isFalse();
        assertThat(passes("role:reader", MEMBER)).isTrue();
    }

    @Test
    void roleCheckIgnoresCaseOfRoleInRule() {
        assertThat(passes("role:Admin", ADMIN)).isTrue();
    }

    @Test
    void rolesKindMeansTheSameAsRole() {
        assertThat(passes("roles:admin", ADMIN)).isTrue();
        assertThat(passes("roles:admin", MEMBER)).isFalse();
    }

    @Test
    void roleNameCanComeFromTarget() {
        assertThat(passes("role:%(required)s", MEMBER, Map.of("required", "Member")))
                .isTrue();
        assertThat(passes("role:%(required)s", MEMBER, Map.of())).isFalse();
    }

    @Test
    void credentialMatchesTargetValueOfNamedKey() {
        assertThat(passes("project_id:%(project_id)s", MEMBER, Map.of("project_id", "project-1")))
                .isTrue();
        assertThat(passes("project_id:%(project_id)s", MEMBER, Map.of("project_id", "project-2")))
                .isFalse();
        assertThat(passes("project_id:%(owner)s", MEMBER, Map.of("owner", "project-1")))
                .isTrue();
        assertThat(passes("user_id:%(user_id)s", MEMBER, Map.of("user_id", "user-1")))
                .isTrue();
        assertThat(passes("user_id:%(user_id)s", MEMBER, Map.of("user_id", "user-2")))
                .isFalse();
    }

    @Test
    void targetMatchFailsWhenEitherSideIsMissingOrNull() {
        Map<String, String> nullOwner = new HashMap<>();
        nullOwner.put("owner", null);
        assertThat(passes("project_id:%(owner)s", MEMBER, nullOwner)).isFalse();
        assertThat(passes("project_id:%(owner)s", MEMBER, Map.of())).isFalse();
        assertThat(passes("project_id:%(owner)s", ANONYMOUS, nullOwner)).isFalse();
    }

    @Test
    void credentialMatchesLiteralWithOrWithoutQuotes() {
        assertThat(passes("project_id:project-1", MEMBER)).isTrue();
        assertThat(passes("project_id:'project-1'", MEMBER)).isTrue();
        assertThat(passes("project_id:\"project-1\"", MEMBER)).isTrue();
        assertThat(passes("project_id:project-2", MEMBER)).isFalse();
    }

    @Test
    void quotedLiteralBeforeColonComparesWithTargetValue() {
        assertThat(passes("'public':%(visibility)s", ANONYMOUS, Map.of("visibility", "public")))
                .isTrue();
        assertThat(passes("\"public\":%(visibility)s", ANONYMOUS, Map.of("visibility", "public")))
                .isTrue();
        assertThat(passes("'public':%(visibility)s", ANONYMOUS, Map.of("visibility", "private")))
                .isFalse();
    }

    @Test
    void credentialKeysLoupeDoesNotCarryNeverMatch() {
        assertThat(passes("system_scope:all", ADMIN)).isFalse();
        assertThat(passes("domain_id:%(domain_id)s", ADMIN, Map.of("domain_id", "default")))
                .isFalse();
    }

    @Test
    void notAndOrCombineChecks() {
        assertThat(passes("not role:admin", MEMBER)).isTrue();
        assertThat(passes("not role:admin", ADMIN)).isFalse();
        assertThat(passes("not not role:admin", ADMIN)).isTrue();
        assertThat(passes("role:member and role:reader", MEMBER)).isTrue();
        assertThat(passes("role:member and role:admin", MEMBER)).isFalse();
        assertThat(passes("role:member or role:admin", ADMIN)).isTrue();
        assertThat(passes("role:member or role:reader", ADMIN)).isFalse();
    }

    @Test
    void keywordsIgnoreCase() {
        assertThat(passes("role:member AND Not role:admin", MEMBER)).isTrue();
        assertThat(passes("role:nobody Or role:admin", ADMIN)).isTrue();
    }

    @Test
    void andBindsTighterThanOr() {
        // Read left to right, each would be false for a member.
        assertThat(passes("role:member or role:admin and role:nobody", MEMBER)).isTrue();
        assertThat(passes("role:nobody and role:admin or role:member", MEMBER)).isTrue();
    }

    @Test
    void notBindsTighterThanAnd() {
        // Read as not (member and admin), this would be true for a member.
        assertThat(passes("not role:member and role:admin", MEMBER)).isFalse();
    }

    @Test
    void parenthesesOverridePrecedence() {
        assertThat(passes("(role:member or role:admin) and role:nobody", MEMBER))
                .isFalse();
        assertThat(passes("not (role:nobody or role:admin)", MEMBER)).isTrue();
    }

    @Test
    void parenthesesNeedNoSurroundingSpaces() {
        assertThat(passes("((role:admin))", ADMIN)).isTrue();
        assertThat(passes(
                        "(role:nobody or (role:admin and project_id:%(owner)s))", ADMIN, Map.of("owner", "project-2")))
                .isTrue();
    }

    @Test
    void ruleReferenceEvaluatesNamedRule() {
        Map<String, Check> rules = Map.of("admin_only", RuleParser.parse("role:admin"));
        Check check = RuleParser.parse("rule:admin_only or role:nobody");
        assertThat(check.test(new Evaluation(ADMIN, Map.of(), rules))).isTrue();
        assertThat(check.test(new Evaluation(MEMBER, Map.of(), rules))).isFalse();
    }

    @Test
    void referenceToUndefinedRuleIsFalse() {
        assertThat(passes("rule:nowhere", ADMIN)).isFalse();
        assertThat(passes("not rule:nowhere", ADMIN)).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            (role:admin                  | expected ')' but found the end of the rule
            role:admin)                  | unexpected ')'
            role:admin and               | expected a check but found the end of the rule
            or role:admin                | expected a check but found 'or'
            role:admin role:member       | unexpected 'role:member'
            ()                           | expected a check but found ')'
            not                          | expected a check but found the end of the rule
            foo                          | 'foo' is not a check
            role:                        | 'role:' is not a check
            :admin                       | ':admin' is not a check
            project_id:%(owner)          | a target attribute must be written whole
            project_id:x-%(owner)s       | a target attribute must be written whole
            http://policy.example/check  | remote http checks are not supported
            """)
    void malformedRuleIsRefusedWithReason(String rule, String reason) {
        assertThatThrownBy(() -> RuleParser.parse(rule))
                .isInstanceOf(RuleSyntaxException.class)
                .hasMessageContaining(reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {" ", "\t\n"})
    void blankButNonEmptyRuleIsRefused(String rule) {
        assertThatThrownBy(() -> RuleParser.parse(rule))
                .isInstanceOf(RuleSyntaxException.class)
                .hasMessageContaining("expected a check but found the end of the rule");
    }
}
