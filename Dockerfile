# chatcore with every built-in plugin's extra ([all]: the QA model with TensorFlow, moderation,
# Telegram, Redis, workers), no test tools. One image for every role; the command picks it:
#   docker build -t chatcore .
#   docker run --rm chatcore --help
#   docker run ... chatcore serve telegram --role gateway -c /config/workers.yaml
#   docker run ... chatcore worker -c /config/workers.yaml
# compose.yaml runs Redis, a gateway and workers from it; docs/deploy.md explains each part.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY chatcore ./chatcore
RUN pip install '.[all]' && rm -rf /src

# Not root. /data is $CHATCORE_HOME: models (models/default, models/published/<version>),
# and whatever a config keeps on disk. A volume mounted on /data/models starts with this owner.
RUN useradd --system --user-group --uid 10001 --create-home --home-dir /home/chatcore chatcore \
    && mkdir -p /data/models \
    && chown -R chatcore:chatcore /data
ENV CHATCORE_HOME=/data \
    TF_CPP_MIN_LOG_LEVEL=2
USER chatcore
WORKDIR /data

# 8443: the Telegram webhook (workers.yaml); 9300: the ops server (/healthz, /readyz, /metrics).
EXPOSE 8443 9300

# Ready means /readyz answers 200 on the ops port (workers.ops.port or --ops-port; set
# CHATCORE_OPS_PORT when it is not 9300). The slim image has no curl: Python's urllib asks, and
# an HTTP error (503: not ready) or a refused connection fails the check. A container without
# an ops server (a single-process `serve`, a one-shot `train`) runs with --no-healthcheck.
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('CHATCORE_OPS_PORT', '9300') + '/readyz', timeout=4)"]

ENTRYPOINT ["chatcore"]
CMD ["--help"]
