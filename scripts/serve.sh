#!/usr/bin/env bash
# Serve the site for `make run`. With REDIS_URL set, a Celery worker (with the beat scheduler)
# runs beside the web server and stops with it.
set -euo pipefail
host=${1:-127.0.0.1}
port=${2:-8000}
bin=.venv/bin
worker_pid=""
cleanup() { [ -n "$worker_pid" ] && kill "$worker_pid" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
if [ -n "${REDIS_URL:-}" ]; then
  "$bin/celery" -A config worker --beat --loglevel=INFO --concurrency=2 &
  worker_pid=$!
  echo "Celery worker with beat started (pid $worker_pid) against $REDIS_URL"
else
  echo "No REDIS_URL: Celery tasks run in-process."
fi
echo "Serving on http://$host:$port/  (admin: http://$host:$port/admin/)"
"$bin/python" manage.py runserver "$host:$port" --noreload
