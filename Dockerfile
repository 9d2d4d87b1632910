FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/mentorbot
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY jobs ./jobs
COPY migrations ./migrations
RUN pip install .

RUN useradd --create-home --uid 10001 mentorbot && mkdir /data && chown mentorbot /data
USER mentorbot
# The embedded default database lives here; set DATABASE_URL for PostgreSQL.
WORKDIR /data

EXPOSE 3000
CMD ["sh", "-c", "mentorbot db upgrade && exec mentorbot run"]
