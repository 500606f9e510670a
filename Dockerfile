# One image for every Audiensi service: `python -m services.<name>` (see docker-compose.yml).
# The console's browser libraries: exact versions from package-lock.json
FROM node:22-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango and the DejaVu fonts: the printable PDFs (WeasyPrint) of the reporting service
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY contracts ./contracts
COPY chassis ./chassis
COPY services ./services
COPY stack ./stack
COPY config ./config
COPY --from=assets /assets/node_modules ./node_modules
RUN pip install . && useradd --system --uid 10001 --home-dir /app audiensi \
    && mkdir -p /data && chown audiensi /data

# config files live in the image; state (key store, logs) under /data
ENV AUDIENSI_DATA_DIR=/data \
    AUDIENSI_ORG_FILE=/app/config/org.yaml \
    AUDIENSI_SLA_POLICIES=/app/config/sla-policies.yaml \
    AUDIENSI_CALENDAR_DIR=/app/config/calendar \
    AUDIENSI_CONSOLE_ASSETS=/app/node_modules \
    AUDIENSI_HOST=0.0.0.0

USER audiensi
EXPOSE 8000 8001 8002 8003 8004 8005
CMD ["python", "-m", "services.intake"]
