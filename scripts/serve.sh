#!/usr/bin/env bash
# Serve the site for `make run`. With REDIS_URL set, a Celery worker (with the beat scheduler)
# runs beside the web server. Stopping this script (Ctrl-C, or a TERM to its pid) stops both.
set -euo pipefail
host=${1:-127.0.0.1}
port=${2:-8000}
bin=.venv/bin
worker_pid=""
server_pid=""
cleanup() {
  for pid in $server_pid $worker_pid; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ -n "${REDIS_URL:-}" ]; then
  # Beat's state file goes beside the venv (ignored by git, removed by `make clean`).
  "$bin/celery" -A config worker --beat --schedule "$bin/../celerybeat-schedule" --loglevel=INFO \
    --concurrency=2 &
  worker_pid=$!
  echo "Celery worker with beat started (pid $worker_pid) against $REDIS_URL"
else
  echo "No REDIS_URL: Celery tasks run in-process."
fi
echo "Serving on http://$host:$port/  (admin: http://$host:$port/admin/)"
# In the background and waited for, so that a signal reaches the trap at once.
"$bin/python" manage.py runserver "$host:$port" --noreload &
server_pid=$!
wait "$server_pid"
