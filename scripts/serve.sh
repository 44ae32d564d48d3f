#!/usr/bin/env bash
# Serve the site for `make run`. The periodic tasks (CELERY_BEAT_SCHEDULE in config/settings.py)
# run beside the web server on the same schedule either way: with REDIS_URL set, a Celery worker
# with the beat scheduler; without it, `manage.py run_schedule`, which runs each task in-process
# when it is due. Stopping this script (Ctrl-C, or a TERM to its pid) stops them all.
set -euo pipefail
host=${1:-127.0.0.1}
port=${2:-8000}
bin=.venv/bin
worker_pid=""
schedule_pid=""
server_pid=""
cleanup() {
  for pid in $server_pid $worker_pid $schedule_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in $server_pid $worker_pid $schedule_pid; do wait "$pid" 2>/dev/null || true; done
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
  # Its state file (run-schedule.json, ignored by git) keeps each task's last run across restarts.
  "$bin/python" manage.py run_schedule &
  schedule_pid=$!
  echo "No REDIS_URL: tasks run in-process; the schedule runs in manage.py run_schedule (pid $schedule_pid)"
fi
echo "Serving on http://$host:$port/  (admin: http://$host:$port/admin/)"
# In the background and waited for, so that a signal reaches the trap at once.
"$bin/python" manage.py runserver "$host:$port" --noreload &
server_pid=$!
wait "$server_pid"
