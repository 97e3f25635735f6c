"""The human-readable parts of a case package: index.html and VERIFY.md.

Every string that came from a page (URLs, titles, listing references, notes)
is HTML-escaped; URLs are shown as text, never as links, and a strict
Content-Security-Policy keeps scripts out even if escaping were bypassed.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from evidence.ledger import LedgerEntry
from evidence.manifest import Manifest

_CSS = """body{font-family:"Noto Sans CJK SC",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}
code{font-size:.85em;word-break:break-all}img.shot{max-width:100%;border:1px solid #999}
section{margin-bottom:3em}"""


def _row(label: str, value: object) -> str:
    return f"<tr><th>{escape(label)}</th><td>{escape(str(value))}</td></tr>"


def render_index(
    title: str,
    manifests: list[Manifest],
    ledger_slice: list[LedgerEntry],
    fingerprint: str,
    artifact_name: Callable[[str, str], str],
) -> str:
    by_uid = {e.capture_uid: e for e in ledger_slice}
    sections = []
    for m in manifests:
        entry = by_uid.get(m.capture_uid)
        shot = m.artifact("screenshot")
        rows = "".join(
            [
                _row("listing", m.listing_ref),
                _row("campaign run", m.run_ref or "-"),
                _row("URL", m.url),
                _row("final URL", m.final_url),
                _row("HTTP status", m.http_status),
                _row("server address", f"{m.server_ip or '-'}:{m.server_port or '-'}"),
                _row(
                    "redirects",
                    " -> ".join(f"{r.status} {r.url}" for r in m.redirect_chain) or "none",
                ),
                _row("captured at (UTC)", m.captured_at),
                _row("clock", f"{m.clock.get('source')}: {m.clock.get('detail')}"),
                _row("operator", m.operator),
                _row(
                    "browser",
                    f"{m.environment.get('browser')} {m.environment.get('browser_version')}",
                ),
                _row("fresh profile", m.environment.get("fresh_profile")),
                _row("notes", "; ".join(m.notes) or "-"),
                _row(
                    "ledger entry",
                    f"{entry.index} (entry hash {entry.entry_hash})" if entry else "-",
                ),
                _row("manifest SHA-256", entry.manifest_sha256 if entry else "-"),
            ]
        )
        artifacts = "".join(
            f'<tr><td>{escape(a.kind)}</td><td><a href="{escape(artifact_name(a.sha256, a.media_type))}">'
            f"<code>{escape(a.sha256)}</code></a></td><td>{a.size}</td><td>{escape(a.media_type)}</td></tr>"
            for a in m.artifacts
        )
        image = (
            f'<p><img class="shot" alt="screenshot" src="{escape(artifact_name(shot.sha256, shot.media_type))}"></p>'
            if shot
            else "<p>(no screenshot)</p>"
        )
        sections.append(
            f"<section><h2>Capture <code>{escape(m.capture_uid)}</code></h2><table>{rows}</table>"
            f"<table><tr><th>artifact</th><th>SHA-256</th><th>bytes</th><th>media type</th></tr>{artifacts}</table>"
            f"{image}</section>"
        )
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self'; "
        "style-src 'unsafe-inline'\">"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1><p>Signed with Ed25519 key SHA-256 <code>{escape(fingerprint)}</code>. "
        "See VERIFY.md to check every hash and signature yourself.</p>"
        + "".join(sections)
        + "</body></html>\n"
    )


_WACZ_SECTION = """
## 6. The web archive (WACZ)

`archive.wacz` holds the WARC records of what the browser received. Its
`datapackage-digest.json` (hash of `datapackage.json`, which lists the hash of
every file in the archive) is signed with the same key:

```sh
unzip -p archive.wacz datapackage-digest.json | cmp - datapackage-digest.json && echo "digest matches"
openssl pkeyutl -verify -pubin -inkey public_key.pem -rawin \\
    -in datapackage-digest.json -sigfile datapackage-digest.json.sig
wacz validate -f archive.wacz    # the wacz tool: pip install wacz
```

To see the pages as they were served, open `archive.wacz` in ReplayWeb.page
(https://replayweb.page, which runs locally in the browser) or pywb.
"""

_TIMESTAMP_SECTION = """
## 7. Trusted timestamps (RFC 3161)

A manifest with a `.tsr` file beside it was timestamped by a trusted
timestamp authority (TSA) right after it was signed. With the TSA's CA
certificate (published by the TSA):

```text
for t in manifests/*.json.tsr; do
  openssl ts -verify -in "$t" -data "${t%.tsr}" -CAfile tsa-ca.pem
  openssl ts -reply -in "$t" -text | grep "Time stamp:"
done
```

Each prints `Verification: OK` and the authority's time.
"""

_VERIFY_MD = """# How to verify this evidence package

Captures: {captures}

You need `sha256sum` (coreutils), `openssl` 3.x and `jq`; nothing from Lantian.
Run the commands in the unzipped package folder.

## 0. The key

The manifests are signed with an Ed25519 key whose fingerprint (SHA-256 of the
DER public key) is:

    {fingerprint}

Check it against the fingerprint the office publishes:

```sh
openssl pkey -pubin -in public_key.pem -outform DER | sha256sum
```

## 1. Each manifest is signed by that key

```sh
for m in manifests/*.json; do
  openssl pkeyutl -verify -pubin -inkey public_key.pem -rawin -in "$m" -sigfile "$m.sig"
done
```

Each prints `Signature Verified Successfully`. A manifest names the URL, final
URL, server address, capture time (UTC, with the clock named), browser and
tool versions, operator, and the SHA-256 and size of every artifact.

## 2. Each artifact has the hash its signed manifest gives

Artifacts are named by their SHA-256:

```sh
for h in $(jq -r '.artifacts[].sha256' manifests/*.json | sort -u); do
  echo "$h  $(ls artifacts/$h.*)"
done | sha256sum -c
```

`sha256sum -c SHA256SUMS` checks every file in one go (SHA256SUMS itself is not
signed; step 2 is the check that rests on the signatures).

## 3. The manifests are the ones the ledger recorded

`ledger.jsonl` is the slice of the hash-chained ledger for these captures. Each
entry holds the manifest's SHA-256 and the hash of the entry before it:

```sh
jq -r '"\\(.manifest_sha256)  manifests/\\(.capture_uid).json"' ledger.jsonl | sha256sum -c
while read -r line; do
  want=$(printf '%s' "$line" | jq -r .entry_hash)
  got=$(printf '%s' "$line" | jq -cSj 'del(.entry_hash)' | sha256sum | cut -c1-64)
  [ "$want" = "$got" ] && echo "entry OK" || echo "entry CHANGED: $line"
done < ledger.jsonl
```

Entries with consecutive `index` values must link: the later one's `prev_hash`
equals the earlier one's `entry_hash`. The office can show the full ledger to
prove no entry between them was removed.

## 4. The package index

```sh
openssl pkeyutl -verify -pubin -inkey public_key.pem -rawin -in package.json -sigfile package.json.sig
```

`package.json` lists the SHA-256 of every other file in the package.

## 5. Look at it

`index.html` shows each screenshot with the capture details and hashes.
{wacz}{stamps}"""


def render_verify_md(
    fingerprint: str, uids: list[str], has_wacz: bool, has_timestamps: bool = False
) -> str:
    """VERIFY.md: how a third party checks the package with common tools, step by step."""
    return _VERIFY_MD.format(
        captures=", ".join(uids),
        fingerprint=fingerprint,
        wacz=_WACZ_SECTION if has_wacz else "",
        stamps=_TIMESTAMP_SECTION if has_timestamps else "",
    )
