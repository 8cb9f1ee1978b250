#!/bin/sh
# Prints a short report of the board it runs on: kernel, uptime, free disk, and its properties.
set -eu
echo "board: $(uname -srm)"
echo "uptime: $(uptime)"
df -h . | tail -n 1 | awk '{print "disk free here: " $4 " of " $2}'
echo "properties: ${WORKTY_PROPERTIES:-{\}}"
if [ -n "${WORKTY_RESULT_FILE:-}" ]; then
  printf '{"machine":"%s"}' "$(uname -m)" > "$WORKTY_RESULT_FILE"
fi
