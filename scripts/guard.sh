#!/bin/sh
# guard.sh COMMAND [ARGS...]
# Runs COMMAND and makes sure it never outlives the process that started this guard.
# The parent holds our stdin open as a pipe and never writes to it. However the parent ends
# (exit, Ctrl-C, crash, SIGKILL), the pipe closes, `cat` sees end-of-file, and we stop COMMAND:
# SIGTERM first, SIGKILL after a grace period.
set -u
grace_tenths=${GUARD_GRACE_TENTHS:-100}

exec 3<&0
"$@" </dev/null 3<&- &
child=$!
cat <&3 >/dev/null 3<&- &
watcher=$!
exec 3<&-

stop_child() {
  kill -TERM "$child" 2>/dev/null
  i=0
  while kill -0 "$child" 2>/dev/null && [ "$i" -lt "$grace_tenths" ]; do
    sleep 0.1
    i=$((i + 1))
  done
  kill -KILL "$child" 2>/dev/null
  kill "$watcher" 2>/dev/null
}
trap 'stop_child; exit 143' TERM INT HUP

while kill -0 "$child" 2>/dev/null && kill -0 "$watcher" 2>/dev/null; do
  sleep 0.2
done

if kill -0 "$child" 2>/dev/null; then
  # the parent is gone
  stop_child
  exit 143
fi
wait "$child"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"
