#!/usr/bin/env bash
# A Chromium that Playwright can drive, CJK fonts for screenshots, and poppler's pdftotext
# with poppler-data (the letter tests read rendered PDFs back; without poppler-data's
# Adobe-GB1 maps pdftotext turns every Chinese glyph of the letters into a bullet).
# Prefer the system Chromium (Debian's apt package); fall back to Playwright's own download.
# Beside it, Debian's chromium-headless-shell where the archive has it: the same engine without
# the desktop browser, which captures and crawls prefer (about half the CPU per capture; see
# docs/deployment.md). Where the archive lacks it, chromium alone serves.
set -euo pipefail
PY=${1:-.venv/bin/python}

have_fonts() { command -v fc-list >/dev/null && fc-list :lang=zh | grep -q . && fc-list | grep -qi "color emoji"; }
have_chromium() { command -v chromium >/dev/null || command -v chromium-browser >/dev/null; }
have_shell() { command -v chromium-headless-shell >/dev/null; }
have_poppler() { command -v pdftotext >/dev/null && [ -d /usr/share/poppler/cMap/Adobe-GB1 ]; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if { ! have_chromium || ! have_fonts || ! have_poppler; } && command -v apt-get >/dev/null; then
  echo "installing chromium, the CJK and emoji fonts and poppler (utils and data) with apt-get"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    chromium fonts-noto-cjk fonts-noto-color-emoji fontconfig poppler-utils poppler-data >/dev/null
fi
# optional: a machine where it cannot be installed (no apt rights, no such package) keeps chromium
if ! have_shell && command -v apt-get >/dev/null; then
  if { apt-cache show chromium-headless-shell >/dev/null 2>&1 ||
    { $SUDO apt-get update -qq && apt-cache show chromium-headless-shell >/dev/null 2>&1; }; } &&
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      chromium-headless-shell >/dev/null; then
    echo "installed chromium-headless-shell with apt-get"
  else
    echo "warning: chromium-headless-shell not installed; captures and crawls use chromium" >&2
  fi
fi

if have_shell; then
  echo "browser: $(command -v chromium-headless-shell)"
elif have_chromium; then
  echo "browser: $(command -v chromium || command -v chromium-browser)"
else
  echo "no system Chromium; downloading Playwright's"
  "$PY" -m playwright install --with-deps chromium
fi
have_fonts || echo "warning: no CJK font found; Chinese text in screenshots will render as boxes" >&2
