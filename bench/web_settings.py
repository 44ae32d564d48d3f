"""Settings of the server bench_web.py starts: the project's own settings (DEBUG off, PostgreSQL
from DATABASE_URL, the production middleware), with the bench's URL conf, which adds the bare
baseline views. Used only by bench/bench_web.py; never by the project."""

from config.settings import *  # noqa: F403

import os

ROOT_URLCONF = "web_urls"
# collectstatic for the bench goes outside the checkout it serves (which may be another one's).
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
# The bench may share a Redis database with other work: keep its cache keys apart.
CACHES["default"]["KEY_PREFIX"] = "bench-web"  # noqa: F405
