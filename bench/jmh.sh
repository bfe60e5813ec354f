#!/usr/bin/env bash
# JMH microbenchmarks of the hot paths (bench/jmh/java): the import pipeline's CPU work, the task JSON view, and
# the show/list queries on SQLite. Arguments go to JMH, e.g. a benchmark name pattern:
#
#   bench/jmh.sh                          # all of them (about 6 minutes)
#   bench/jmh.sh ImportPipeline -p mib=64 # one class, one parameter value
#
# Compiled in the Maven profile jmh, so the test command never builds or runs them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
JAVA="$(find_java)" || die "no Java 21 or newer found"
cd "$ROOT"
classpath="$(mktemp /tmp/loupe-jmh-cp.XXXXXX)"
CLEANUP+=("$classpath")
# A test-compile without the profile leaves benchmark-less classes that Maven would think up to date.
[ -f target/test-classes/META-INF/BenchmarkList ] || rm -rf target/test-classes
mvn -B -q -Pjmh -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$classpath" >&2 || die "building the benchmarks failed"
# As the other benchmarks, a private copy: another build rewriting target/ must not pull classes from under a run.
copy="$(mktemp -d /tmp/loupe-jmh.XXXXXX)"
CLEANUP+=("$copy")
cp -r target/classes "$copy/classes" && cp -r target/test-classes "$copy/test-classes" || die "could not copy the build"
echo "jmh.sh: $(machine); Loupe $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $JAVA"
"$JAVA" -cp "$copy/test-classes:$copy/classes:$(cat "$classpath")" org.openjdk.jmh.Main "$@"
