"""Render a channel's Jinja2 template into letter blocks that DOCX, PDF and text exporters lay out.

A template writes one block a line: ``# `` title, ``## `` heading, ``- `` bullet,
``> `` right-aligned line (signature), ``::items::`` and ``::evidence::`` for
the two tables; any other non-empty line is a paragraph.  The letter
environment is sandboxed and not HTML-escaped (its output is not HTML; each
exporter escapes for its own format); HTML pages use the autoescaped
environment from :func:`html_environment`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from takedown.document import NoticeDocument
from takedown.errors import ExportError
from takedown.platforms import TEMPLATES_DIR, PlatformRegistry, default_registry


class BlockKind(enum.Enum):
    title = "title"
    heading = "heading"
    paragraph = "paragraph"
    bullet = "bullet"
    right = "right"
    items = "items"
    evidence = "evidence"


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str = ""


_PREFIXES: tuple[tuple[str, BlockKind], ...] = (
    ("## ", BlockKind.heading),
    ("# ", BlockKind.title),
    ("- ", BlockKind.bullet),
    ("> ", BlockKind.right),
)
_DIRECTIVES = {"::items::": BlockKind.items, "::evidence::": BlockKind.evidence}


def cn_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def _environment(templates_dir: Path, *, autoescape: bool) -> jinja2.Environment:
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cn_date"] = cn_date
    return env


def html_environment(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    """Autoescaped environment for HTML outputs (reports, previews)."""
    return _environment(templates_dir, autoescape=True)


def parse_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line in _DIRECTIVES:
            blocks.append(Block(_DIRECTIVES[line]))
            continue
        for prefix, kind in _PREFIXES:
            if line.startswith(prefix):
                blocks.append(Block(kind, line[len(prefix) :].strip()))
                break
        else:
            blocks.append(Block(BlockKind.paragraph, line))
    return blocks


def render_letter_text(doc: NoticeDocument, registry: PlatformRegistry | None = None) -> str:
    """The letter in the template's block language."""
    registry = registry or default_registry()
    channel = registry.channels.get(doc.channel_key)
    if channel is None:
        raise ExportError(
            f"notice {doc.reference}: channel {doc.channel_key!r} is not in {registry.source}"
        )
    env = _environment(registry.templates_dir, autoescape=False)
    try:
        return env.get_template(channel.template).render(n=doc)
    except jinja2.TemplateError as exc:
        raise ExportError(
            f"{registry.templates_dir / channel.template}: cannot render notice {doc.reference}: {exc}"
        ) from exc


def render_letter(doc: NoticeDocument, registry: PlatformRegistry | None = None) -> list[Block]:
    return parse_blocks(render_letter_text(doc, registry))


def render_template_blocks(
    template: str, templates_dir: Path = TEMPLATES_DIR, **context: object
) -> list[Block]:
    """A letter that is not a platform notice (a case transfer, an escalation) in the block language."""
    env = _environment(templates_dir, autoescape=False)
    try:
        return parse_blocks(env.get_template(template).render(**context))
    except jinja2.TemplateError as exc:
        raise ExportError(f"{templates_dir / template}: cannot render: {exc}") from exc
