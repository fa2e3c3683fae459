# The portal's image: web (gunicorn), Celery worker and Celery beat all run from it.
# See docker-compose.yml and README "Deployment".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. pyproject.toml carries the
# pinned dependencies only (no package is installed from the checkout).
COPY pyproject.toml ./
RUN pip install .

# A user without privileges; it owns /app so collectstatic (staticfiles/) and Celery beat
# (its schedule file) can write there.
RUN groupadd --system lixiong \
    && useradd --system --gid lixiong --home-dir /app --no-create-home lixiong
COPY --chown=lixiong:lixiong . .
# private-media/: uploaded documents (partners' licences), kept on a volume of their own
# (docker-compose.yml); created here so the volume starts out owned by the app's user.
RUN chown lixiong:lixiong /app \
    && mkdir -p /app/private-media && chown lixiong:lixiong /app/private-media
USER lixiong

EXPOSE 8000

CMD ["gunicorn", "lixiong.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
