#!/bin/sh
# Runs uwsgi (args: its ini) in this process group, which the test harness made its own with setsid.
# The whole group is ended (TERM) when either
#  - standard input, a pipe from the JVM, closes: the harness closed it, or the JVM is gone, even killed; or
#  - uwsgi ends by itself (e.g. Keystone could not load), so the harness sees this script end.
exec 3<&0
uwsgi --ini "$1" </dev/null >/dev/null 2>&1 3<&- &
uwsgi=$!
( read -r _ <&3; kill -TERM 0 ) &
wait "$uwsgi"
echo "uwsgi exited with $?" >&2
kill -TERM 0
