#!/usr/bin/env bash
# Wait until each service's /health answers 200 (as in the seed's CI workflow).
# Usage: scripts/wait-for-services.sh [BASE_URL ...]
#   default URLs: http://localhost:8001 http://localhost:8002 http://localhost:8003
#   WAIT_TIMEOUT (seconds, default 60) bounds the total wait.
# Exit codes: 0 all healthy, 3 a service did not become healthy in time, 2 bad usage.
set -euo pipefail

timeout="${WAIT_TIMEOUT:-60}"
if ! [[ "$timeout" =~ ^[0-9]+$ ]]; then
    echo "wait-for-services: WAIT_TIMEOUT must be a whole number of seconds" >&2
    exit 2
fi
if [ "$#" -eq 0 ]; then
    set -- http://localhost:8001 http://localhost:8002 http://localhost:8003
fi

deadline=$(( $(date +%s) + timeout ))
for base in "$@"; do
    url="${base%/}/health"
    until curl --silent --fail --noproxy '*' --max-time 2 --output /dev/null "$url"; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "wait-for-services: $url not healthy after ${timeout}s" >&2
            exit 3
        fi
        sleep 0.5
    done
    echo "wait-for-services: $url is healthy"
done
