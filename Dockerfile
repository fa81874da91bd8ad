# One image for web, worker and beat (docker-compose.yml). Build: docker build -t jobcenter .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=jobcenter.settings.production

# gettext compiles the translations; psycopg[binary] brings its own libpq; pysaml2 signs and
# checks SAML messages with the xmlsec1 program; WeasyPrint (the citizen's copy as PDF) draws text with Pango.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext xmlsec1 libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Production settings refuse to load without real secrets, and none may be baked into the
# image: collectstatic and compilemessages get throwaway values that live for one command.
RUN export DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
        CPR_ENCRYPTION_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
        DJANGO_ALLOWED_HOSTS=localhost \
        DATABASE_URL=sqlite:////tmp/build.sqlite3 \
        EMAIL_URL=smtp://localhost:25 \
    && python manage.py collectstatic --noinput \
    && python manage.py compilemessages --ignore=.venv --verbosity 0 \
    && rm -f /tmp/build.sqlite3

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /app/var/broker/queue /app/var/broker/processed \
    && chown -R app:app /app/var
USER app

EXPOSE 8000
# gunicorn.conf.py (bind, workers, CPR-masking log config) is read from /app.
CMD ["gunicorn", "jobcenter.wsgi:application"]
