# One image for the web server and both kinds of worker.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VAR_DIR=/app/var \
    MEDIA_ROOT=/data/media

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --create-home htr && mkdir -p /data/media && chown -R htr /app/var /data/media
USER htr

EXPOSE 8000
CMD ["gunicorn", "htr_platform.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
