"""The blocks of a crawled page, from what the spider already extracted.

A forum profile gathers each reply as a record (``fields["posts"]``: author,
content, time); the page text holds the same words, one text node a line.  Each
post becomes a ``post`` block over its span of the text, with its author and a
reference (its floor), so the classifier judges a reply in its author's voice and
the listing can say which post made the offer.  Everything else is the title and
one paragraph block per line.  Offsets index ``title + "\\n" + text``, the string
the classifier reports hits in.
"""

from __future__ import annotations

from typing import Any

from classifiers import Block, line_blocks

_PROBE = 16  # characters of a post's first and last line looked up in the page text


def _pieces(content: str) -> list[str]:
    """The content's text nodes: a profile joins a post's nodes with spaces, the page text with line breaks."""
    return content.split()


def post_blocks(text: str, posts: Any, offset: int) -> list[Block]:
    """A ``post`` block for each record whose words can be found, in order, in ``text``."""
    if not isinstance(posts, list):
        return []
    out: list[Block] = []
    pos = 0
    for number, post in enumerate(posts, 1):
        if not isinstance(post, dict) or not isinstance(post.get("content"), str):
            continue
        lines = _pieces(post["content"])
        if not lines:
            continue
        first, last = lines[0][:_PROBE], lines[-1][-_PROBE:]
        start = text.find(first, pos)
        if start < 0:
            continue
        tail = text.find(last, start)
        end = tail + len(last) if tail >= 0 else start + len(first)
        author = post.get("author")
        floor = post.get("floor") or number
        page_url = post.get("page_url")
        out.append(
            Block(
                offset + start,
                offset + end,
                "post",
                str(author) if author else None,
                f"#{floor}",
                page_url if isinstance(page_url, str) and page_url else None,
            )
        )
        pos = end
    return out


def item_blocks(title: str, text: str, fields: dict[str, Any]) -> list[Block]:
    """Title, posts (from the ``posts`` records) and the remaining lines as paragraphs."""
    offset = len(title) + 1 if title else 0
    return post_blocks(text, fields.get("posts"), offset) + line_blocks(text, title)
