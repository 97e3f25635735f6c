# Lantian: one image for the API/UI, the scheduler and crawler workers (see docs/deployment.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Debian's Chromium headless shell drives the evidence captures and rendered crawl pages
# (the same engine for about half the CPU per capture; the full chromium stays as fallback;
# Playwright's download is not needed);
# fonts-noto-cjk or Chinese renders as boxes in screenshots (the emoji font for ➕V-style disguises); tini reaps the crawl processes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium chromium-headless-shell fonts-noto-cjk fonts-noto-color-emoji fontconfig tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin lantian \
 && mkdir -p /data \
 && chown lantian:lantian /data

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY . .
# Editable, so the data beside the code (rules/, spider profiles, campaigns, templates)
# is found where lantian.config expects it.
# The install compiles the classifier's hot modules with mypyc (setup.py): a C compiler for
# that step only (the image's Python carries its headers), removed in the same layer.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && pip install --no-deps -e . \
 && python -m compileall -q lantian crawler campaigns spiders classifiers evidence store api takedown sandbox \
 && apt-get purge -y --auto-remove gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/* /app/build

ENV LANTIAN_CHROMIUM_PATH=/usr/bin/chromium-headless-shell \
    LANTIAN_DATA_DIR=/data \
    LANTIAN_API_HOST=0.0.0.0 \
    LANTIAN_API_PORT=8000

USER lantian
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)" || exit 1

ENTRYPOINT ["tini", "--", "lantian"]
CMD ["serve"]
