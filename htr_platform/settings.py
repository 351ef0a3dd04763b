"""Settings, all read from the environment.

The defaults run on one machine with no services: SQLite in ``var/`` and
kombu's filesystem broker in ``var/broker``. Set DATABASE_URL and
CELERY_BROKER_URL (or REDIS_URL) to run on PostgreSQL and Redis.
"""
from datetime import timedelta
from pathlib import Path

from htr_platform.database import database_settings
from htr_platform.env import env_bool, env_choice, env_int, env_list, env_scales, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-do-not-use-in-production")
else:
    SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# HTTPS (docker-compose turns them on; `manage.py check --deploy` is clean with them). Behind a
# proxy that ends TLS, SECURE_PROXY_SSL_HEADER=true trusts its X-Forwarded-Proto header: set it only
# when that proxy always sets the header, or a client could claim HTTPS.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health check answers over plain HTTP, from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "documents",
    "recognition",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Sign-in (web page and API token): after LOGIN_FAILURE_LIMIT wrong passwords for one username
# from one address, both are refused for LOGIN_LOCKOUT_MINUTES, with a page that says so
# (django-axes, which records the attempts in the database). A right password resets the count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "htr_platform.accounts.locked_out"
AXES_VERBOSE = False

ROOT_URLCONF = "htr_platform.urls"
WSGI_APPLICATION = "htr_platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "")
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": database_settings(DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "document-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))

# Page images live here and are served only through an authenticated view,
# so MEDIA_URL is deliberately not routed.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# Uploads: the limits a user can hit, each with a clear message.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 100 * 1024 * 1024, minimum=1)
UPLOAD_MAX_PAGES = env_int("UPLOAD_MAX_PAGES", 200, minimum=1)
# An imported ALTO or PAGE file's lines (a person draws lines one at a time, a segmenter finds tens).
LINES_MAX_PER_PAGE = env_int("LINES_MAX_PER_PAGE", 2000, minimum=1)
LINES_MAX_PER_DOCUMENT = env_int("LINES_MAX_PER_DOCUMENT", 50_000, minimum=1)
# A page image no page points to (left by a crash mid-upload) is deleted once it is this old.
ORPHAN_FILES_GRACE_SECONDS = env_int("ORPHAN_FILES_GRACE_SECONDS", 3600, minimum=60)
# Exports of a document with more lines or pages than these are made by a worker (queue "cpu"), not
# within the request (which a proxy or gunicorn would cut off): the document page follows the
# export's progress, then links to its file, kept EXPORT_FILES_KEEP_HOURS (docs/operations.md, "Exports").
EXPORT_IN_BACKGROUND_ABOVE_LINES = env_int("EXPORT_IN_BACKGROUND_ABOVE_LINES", 3000, minimum=0)
EXPORT_IN_BACKGROUND_ABOVE_PAGES = env_int("EXPORT_IN_BACKGROUND_ABOVE_PAGES", 30, minimum=0)
EXPORT_FILES_KEEP_HOURS = env_int("EXPORT_FILES_KEEP_HOURS", 24, minimum=1)
# Pillow's decompression-bomb guard: images above this many pixels are refused.
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 60_000_000, minimum=1)
PDF_RENDER_DPI = env_int("PDF_RENDER_DPI", 200, minimum=50)
# Prescriptions hold patient data: each is deleted (pages, text, the models tuned to it) this many
# days after its upload; 0 keeps them until someone deletes them. Why 30: docs/operations.md, "Retention".
PRESCRIPTION_RETENTION_DAYS = env_int("PRESCRIPTION_RETENTION_DAYS", 30, minimum=0)
DATA_UPLOAD_MAX_NUMBER_FILES = 2 * UPLOAD_MAX_PAGES  # an import sends an image and an XML file a page

# Recognition: the model file to register when none is; empty means ml's shipped model.
HTR_MODEL_PATH = env_str("HTR_MODEL_PATH", "")
# Fine-tuning on checked lines (queue "train", ml.train.adapt's recipe): where each run's model
# goes (on the volume every worker sees), the seconds a document's run and a staff run may train
# (the step budgets are FineTuning's), and how long a run's task may take at most, reading included.
FINE_TUNING_DIR = Path(env_str("FINE_TUNING_DIR", str(MEDIA_ROOT / "fine-tuning")))
FINE_TUNING_TIME_BUDGET = env_int("FINE_TUNING_TIME_BUDGET", 300, minimum=10)
FINE_TUNING_STAFF_TIME_BUDGET = env_int("FINE_TUNING_STAFF_TIME_BUDGET", 1800, minimum=10)
FINE_TUNING_TIME_LIMIT = env_int("FINE_TUNING_TIME_LIMIT", 3600, minimum=60)
# A run needs this many checked lines to learn from (every fifth of them chooses the step kept) and
# FINE_TUNING_MIN_HELD_OUT_LINES more held out to judge the tuned model by; it is kept aside unless
# it reads those better in this share (percent) of bootstrap samples of them, not by chance.
# Why 50 and 20: docs/model-card.md, "Fine-tuning on checked lines".
FINE_TUNING_MIN_TRAIN_LINES = env_int("FINE_TUNING_MIN_TRAIN_LINES", 50, minimum=2)
FINE_TUNING_MIN_HELD_OUT_LINES = env_int("FINE_TUNING_MIN_HELD_OUT_LINES", 20, minimum=1)
FINE_TUNING_MIN_SURE_PERCENT = env_int("FINE_TUNING_MIN_SURE_PERCENT", 95, minimum=0)
RECOGNITION_BATCH_SIZE = env_int("RECOGNITION_BATCH_SIZE", 16, minimum=1)
# CTC decoding: a beam search this wide with the character language model of each document's
# language (English prescriptions: the one that knows drug names); 0 or 1 decodes greedily, with
# none (docs/decoding.md). RECOGNITION_LANGUAGE is the language new documents are given unless the
# upload says; "none" reads every document without a language model (new ones are English).
RECOGNITION_BEAM_WIDTH = env_int("RECOGNITION_BEAM_WIDTH", 12, minimum=0)
RECOGNITION_LANGUAGE = env_choice("RECOGNITION_LANGUAGE", "en", ("en", "fr", "none"))
# Horizontal scales each line is read at; with several, the text they together find most likely
# is kept (ml.read.rescoring). "1 0.8" reads the val lines 0.2 points of CER better with the default
# model (0.6 with the earlier 48 px one) at 58 % of the speed (docs/model-card.md).
RECOGNITION_READ_WIDTHS = env_scales("RECOGNITION_READ_WIDTHS", (1.0,))
# On a page's first reading, the places of unread ink that look like a line of text are read by
# themselves, and those read surely become lines (ml.segment.place_lines; why on: docs/segmentation.md,
# "Places that read as a line").
RECOGNITION_READ_PLACES = env_bool("RECOGNITION_READ_PLACES", True)
# bfloat16 on the CPU: where it is native (auto), never (0) or always (1) (ml/read/precision.py).
# The workers pass it to the recognizer and the segmenter's line network (recognition/recognizers.py);
# ml/ reads no environment variable.
HTR_CPU_BF16 = env_choice("HTR_CPU_BF16", "auto", ("auto", "0", "1"))
# Torch threads each worker's recognizer reads with on the CPU; 0: one per core. Celery runs one
# recognizer per worker process: with several workers on one machine, give each its share of the cores.
HTR_TORCH_THREADS = env_int("HTR_TORCH_THREADS", 0, minimum=0)

# Celery. Tasks ack late and are re-queued when a worker dies; the hard time
# limit bounds how long a job can look "running" before it is known dead.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", env_str("REDIS_URL", "filesystem://"))
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 900, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A message not acked within this time is delivered again; keep it above the time limit.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "cpu"
CELERY_TASK_ROUTES = {
    "recognition.tasks.segment_page": {"queue": "cpu"},
    "recognition.tasks.find_places": {"queue": "cpu"},
    "recognition.tasks.recover_stale_jobs": {"queue": "cpu"},
    "recognition.tasks.delete_expired_documents": {"queue": "cpu"},
    "recognition.tasks.delete_orphan_files": {"queue": "cpu"},
    "documents.tasks.export_document": {"queue": "cpu"},
    "recognition.tasks.recognize_page": {"queue": "gpu"},
    "recognition.tasks.read_page_again": {"queue": "gpu"},
    "recognition.tasks.fine_tune_model": {"queue": "train"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A running job or run stamps its heartbeat this often; one whose heartbeat is older than
# JOB_STALE_AFTER_SECONDS was left by a dead worker, and the sweep, every third of that, takes it
# over: a worker's death is repaired within JOB_STALE_AFTER_SECONDS * 4/3 (80 s by default).
HEARTBEAT_SECONDS = env_int("HEARTBEAT_SECONDS", 15, minimum=1)
JOB_STALE_AFTER_SECONDS = env_int("JOB_STALE_AFTER_SECONDS", max(60, 3 * HEARTBEAT_SECONDS), minimum=3 * HEARTBEAT_SECONDS)
CELERY_BEAT_SCHEDULE = {
    "recover-stale-jobs": {"task": "recognition.tasks.recover_stale_jobs", "schedule": JOB_STALE_AFTER_SECONDS / 3},
    "delete-expired-documents": {"task": "recognition.tasks.delete_expired_documents", "schedule": 3600.0},
    "delete-orphan-files": {"task": "recognition.tasks.delete_orphan_files", "schedule": 3600.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "htr_platform.api_errors.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Handwriting digitization API",
    "DESCRIPTION": "Upload scans, follow recognition jobs, correct lines, export text.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come with the sidecar package, so the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # A document's kind and a fine-tuning's kinds are one set of choices.
    "ENUM_NAME_OVERRIDES": {"DocumentKindEnum": "documents.models.DocumentKind"},
}

# The worker logs one line per job step (recognition.tasks), not Celery's own lines per task
# (htr_platform/logs.py); what code prints while it runs is logged at INFO, not as a warning.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"celery_task_chatter": {"()": "htr_platform.logs.CeleryTaskChatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {name: {"filters": ["celery_task_chatter"]} for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat")},
}
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
