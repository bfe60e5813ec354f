package dev.loupe.policy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Finds rules that reach themselves through {@code rule:} references, which would never finish evaluating. */
final class RuleCycles {

    private final Map<String, Check> rules;
    private final Set<String> finished = new HashSet<>();
    private final List<String> path = new ArrayList<>();

    private RuleCycles(Map<String, Check> rules) {
        this.rules = rules;
    }

    /** One cycle as the names along it, first name repeated at the end; names are visited in order so it is stable. */
    static Optional<List<String>> find(Map<String, Check> rules) {
        RuleCycles search = new RuleCycles(rules);
        for (String name : new TreeSet<>(rules.keySet())) {
            Optional<List<String>> cycle = search.visit(name);
            if (cycle.isPresent()) {
                return cycle;
            }
        }
        return Optional.empty();
    }

    private Optional<List<String>> visit(String name) {
        int onPath = path.indexOf(name);
        if (onPath >= 0) {
            List<String> cycle = new ArrayList<>(path.subList(onPath, path.size()));
            cycle.add(name);
            return Optional.of(cycle);
        }
        // Undefined references evaluate false rather than loop, so they end the walk.
        Check check = rules.get(name);
        if (check == null || finished.contains(name)) {
            return Optional.empty();
        }
        path.add(name);
        for (String reference : references(check).toList()) {
            Optional<List<String>> cycle = visit(reference);
            if (cycle.isPresent()) {
                return cycle;
            }
        }
        path.removeLast();
        finished.add(name);
        return Optional.empty();
    }

    private static Stream<String> references(Check check) {
        return switch (check) {
            case Check.RuleReference reference -> Stream.of(reference.name());
            case Check.Not not -> references(not.operand());
            case Check.And and -> Stream.concat(references(and.left()), references(and.right()));
            case Check.Or or -> Stream.concat(references(or.left()), references(or.right()));
            case Check.Constant constant -> Stream.empty();
            case Check.HasRole hasRole -> Stream.empty();
            case Check.Matches matches -> Stream.empty();
        };
    }
}
