"""Settings of the Celery worker that test_worker.py starts to show redelivery after a SIGKILL: the
test settings with a visibility timeout of seconds instead of an hour, swept every second, so a
message a killed worker left unacknowledged comes back while the test waits. Production keeps the
hour of config/settings.py."""

from config.settings_test import *  # noqa: F401,F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 8,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
