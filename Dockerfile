# Production image: docker compose (docker-compose.yml) runs web, worker and beat from it.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN python -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt
COPY . .
# Build-time settings only: collectstatic and the catalogues need no database.
RUN DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    SECRET_KEY=build-only-key-not-used-at-runtime-0123456789abcdef ALLOWED_HOSTS=localhost \
    STATIC_ROOT=/app/staticfiles \
    /opt/venv/bin/python manage.py collectstatic --no-input -v 0 \
 && /opt/venv/bin/pybabel compile --domain django --directory locale --use-fuzzy

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media VAR_DIR=/app/var
RUN groupadd --system app && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=app:app /app /app
RUN mkdir -p /app/media /app/var && chown app:app /app/media /app/var
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["sh", "-c", "exec env DATABASE_POOL_SIZE=${DATABASE_POOL_SIZE:-10} uvicorn config.asgi:application --host 0.0.0.0 --port 8000 --lifespan off --no-server-header --ws-per-message-deflate false --ws config.websocket_protocol:LeanWebSocketProtocol --ws-max-size 65536 --workers ${WEB_CONCURRENCY:-2} --proxy-headers --forwarded-allow-ips \"${FORWARDED_ALLOW_IPS:-127.0.0.1}\""]
