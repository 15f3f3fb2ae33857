FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY handlers ./handlers
COPY services ./services
COPY alembic ./alembic
COPY locales ./locales
RUN pip install -e . && biznespilot i18n compile

RUN useradd --create-home biznespilot && mkdir -p /app/data && chown biznespilot /app/data
USER biznespilot
VOLUME ["/app/data"]
CMD ["biznespilot", "run"]
