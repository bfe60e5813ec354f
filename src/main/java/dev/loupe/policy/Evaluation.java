package dev.loupe.policy;

import java.util.Map;

/** Everything one policy decision looks at; rules are here so that {@code rule:} checks can follow references. */
record Evaluation(Credentials creds, Map<String, String> target, Map<String, Check> rules) {}
