#!/usr/bin/env bash
# A Chromium that Playwright can drive, CJK fonts for screenshots, and poppler's pdftotext
# (the letter tests read rendered PDFs back).
# Prefer the system Chromium (Debian's apt package); fall back to Playwright's own download.
set -euo pipefail
PY=${1:-.venv/bin/python}

have_fonts() { command -v fc-list >/dev/null && fc-list :lang=zh | grep -q . && fc-list | grep -qi "color emoji"; }
have_chromium() { command -v chromium >/dev/null || command -v chromium-browser >/dev/null; }
have_poppler() { command -v pdftotext >/dev/null; }

if { ! have_chromium || ! have_fonts || ! have_poppler; } && command -v apt-get >/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing chromium, the CJK and emoji fonts and poppler-utils with apt-get"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    chromium fonts-noto-cjk fonts-noto-color-emoji fontconfig poppler-utils >/dev/null
fi

if have_chromium; then
  echo "browser: $(command -v chromium || command -v chromium-browser)"
else
  echo "no system Chromium; downloading Playwright's"
  "$PY" -m playwright install --with-deps chromium
fi
have_fonts || echo "warning: no CJK font found; Chinese text in screenshots will render as boxes" >&2
