"""Settings for the test suite: the environment's settings with a test-only secret key, fast password
hashing, and the static files storage that needs no collectstatic."""
import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("IDENTITY_HASH_KEY", "tests-only-identity-key")

from config.settings import *  # noqa: E402,F401,F403
from config.settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
ALLOWED_HOSTS = ["*"]
MEDIA_ROOT = BASE_DIR / "test-artifacts" / "media"  # noqa: F405
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
