"""Settings of the daphne server the browser tests drive: the test settings, with mail
written to files (E2E_MAIL_DIR) so a test can read the invitation a moderator sent."""

import os

from config.test_settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["E2E_MAIL_DIR"]

# Every warning and error the server logs lands in its log file, each record starting with
# its level; the tests fail on any ERROR or CRITICAL record (a 403 is a WARNING).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"level": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "level"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
