# Three images from one file, each with only what it runs:
#   web     gunicorn (requirements/base.txt: no torch)
#   worker  the Celery workers (requirements/worker.txt: torch, OpenCV, the models)
#   flower  the Celery monitor (requirements/flower.txt)
# docker compose builds each with its target; `docker build --target web .` builds one.
FROM python:3.11-slim-bookworm AS python

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VAR_DIR=/app/var \
    MEDIA_ROOT=/data/media
WORKDIR /app
# DejaVu Sans: the searchable PDF's text layer
RUN apt-get update && apt-get install --yes --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home htr
COPY requirements/ requirements/


FROM python AS web
RUN pip install --no-cache-dir -r requirements/base.txt
COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p /data/media && chown -R htr /app/var /data/media
USER htr
EXPOSE 8000
CMD ["gunicorn", "htr_platform.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "600"]


FROM python AS worker
RUN pip install --no-cache-dir -r requirements/worker.txt
COPY . .
RUN mkdir -p /app/var /data/media && chown -R htr /app/var /data/media
USER htr
CMD ["celery", "-A", "htr_platform", "worker", "--queues", "cpu,gpu", "--concurrency", "1", "--loglevel", "INFO"]


FROM python AS flower
RUN pip install --no-cache-dir -r requirements/flower.txt
COPY . .
RUN mkdir -p /app/var && chown -R htr /app/var
USER htr
EXPOSE 5555
