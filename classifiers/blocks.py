"""The units a reader sees on a page: title, paragraphs, forum posts, shop header, banner, footer.

The classifier judges each hit inside its block (who speaks there, in what
stance) and then the page.  A block is a span of the classified string plus who
wrote it; blocks given as separate texts are joined with a line break, so the
rules, which never match across a line's end for contexts marked ``line``,
still see one string and every offset maps back to one block.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from classifiers.bisection import bisect_right

#: Block kinds the classifier knows; anything else is read as a paragraph.
KINDS = frozenset(
    {"title", "paragraph", "list_item", "post", "shop_header", "banner", "footer", "other"}
)
#: Blocks written in the site's own voice whatever the article between them says.
SITE_VOICE = frozenset({"shop_header", "banner", "footer"})
MAX_BLOCKS = 5000


class BlockError(ValueError):
    """A block given to the classifier is malformed; the message names which and what."""


# not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__, about
# ten times a plain one, and a page builds hundreds; never mutated (unsafe_hash keeps it hashable)
@dataclass(slots=True, unsafe_hash=True)
class Block:
    """One unit of the page: ``start``/``end`` index the classified string."""

    start: int
    end: int
    kind: str = "paragraph"
    author: str | None = None
    ref: str | None = None
    #: where a reader finds this block when the listing spans pages (a reply page's URL)
    url: str | None = None

    # written out, not generated, so that compiled (mypyc) it runs native (see verdict.Hit)
    def __init__(
        self,
        start: int,
        end: int,
        kind: str = "paragraph",
        author: str | None = None,
        ref: str | None = None,
        url: str | None = None,
    ) -> None:
        self.start = start
        self.end = end
        self.kind = kind
        self.author = author
        self.ref = ref
        self.url = url

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __reduce__(self) -> tuple[type[Block], tuple[Any, ...]]:
        return by_fields(self)


def by_fields(obj: Any) -> tuple[type[Any], tuple[Any, ...]]:
    """How to pickle a dataclass whose ``__init__`` is written out: rebuilt by calling it with
    its fields in order.  Compiled (mypyc), such a class is otherwise unpickled by calling it
    with no arguments, which fails; pages' blocks and their verdicts cross to the crawl's
    classify worker and back."""
    return type(obj), tuple(getattr(obj, f.name) for f in fields(obj))


def parse_blocks(raw: object) -> list[tuple[str, str, str | None, str | None]]:
    """``[{"text", "kind"?, "author"?, "ref"?}, ...]`` as (text, kind, author, ref); errors name the block."""
    if not isinstance(raw, list):
        raise BlockError(f"field blocks is a {type(raw).__name__}, not a list")
    if len(raw) > MAX_BLOCKS:
        raise BlockError(f"field blocks has {len(raw)} blocks; at most {MAX_BLOCKS}")
    out: list[tuple[str, str, str | None, str | None]] = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise BlockError(f"block {i} is a {type(item).__name__}, not an object")
        text = item.get("text")
        if not isinstance(text, str):
            raise BlockError(f"block {i}: field text is missing or not a string")
        kind = item.get("kind") or "paragraph"
        if not isinstance(kind, str):
            raise BlockError(f"block {i}: field kind is not a string")
        values: list[str | None] = []
        for name in ("author", "ref"):
            value = item.get(name)
            if value is not None and not isinstance(value, (str, int)):
                raise BlockError(f"block {i}: field {name} is not a string")
            values.append(None if value is None else str(value))
        out.append((text, kind if kind in KINDS else "other", values[0], values[1]))
    return out


def join_blocks(
    parts: Sequence[tuple[str, str, str | None, str | None]],
) -> tuple[str, list[Block]]:
    """One string (blocks separated by a line break) and the block spans over it."""
    pieces: list[str] = []
    blocks: list[Block] = []
    pos = 0
    for i, (text, kind, author, ref) in enumerate(parts):
        if i:
            pieces.append("\n")
            pos += 1
        blocks.append(Block(pos, pos + len(text), kind, author, ref))
        pieces.append(text)
        pos += len(text)
    return "".join(pieces), blocks


def line_blocks(text: str, title: str = "") -> list[Block]:
    """Blocks of a plain page: the title, then each non-empty line as a paragraph.

    Offsets index ``title + "\\n" + text`` (or ``text`` when there is no title),
    the string ``Classifier.classify`` reports hits in.
    """
    blocks: list[Block] = []
    offset = 0
    if title:
        blocks.append(Block(0, len(title), "title"))
        offset = len(title) + 1
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        if line.strip():
            blocks.append(Block(offset + start, offset + end, "paragraph"))
        start = end + 1
    return blocks


def cover(blocks: Iterable[Block], text: str) -> list[Block]:
    """The blocks sorted, overlaps dropped, and text between them that is not blank made a
    paragraph block, so every character a reader sees belongs to one block (a line break
    between two blocks belongs to the one before)."""
    length = len(text)
    out: list[Block] = []
    pos = 0
    for block in sorted(blocks, key=lambda b: (b.start, -b.end)):
        start, end = max(block.start, 0), min(block.end, length)
        if end <= start or start < pos:
            continue
        if text[pos:start].strip():
            out.append(Block(pos, start, "paragraph"))
        out.append(Block(start, end, block.kind, block.author, block.ref, block.url))
        pos = end
    if text[pos:].strip() or not out:
        out.append(Block(pos, length, "paragraph"))
    return out


class BlockIndex:
    """Which block an offset falls in (blocks from :func:`cover`: sorted, disjoint, covering)."""

    __slots__ = ("blocks", "_starts")

    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks
        self._starts = [b.start for b in blocks]

    def at(self, offset: int) -> int:
        return max(0, bisect_right(self._starts, offset) - 1)
