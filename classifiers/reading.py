"""Each hit read in its block: its stance and whether it counts (see ``classifiers.discourse``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Final

from classifiers.bisection import bisect_left, bisect_right
from classifiers.blocks import Block, BlockIndex
from classifiers.discourse import ANSWER, TIEABLE, Discourse, PageReading
from classifiers.normalize import Normalized
from classifiers.occurrences import Occurrences
from classifiers.sentences import Marks, sentence_span
from classifiers.verdict import Entity, Hit
from classifiers.voice import block_voice, chrome_article, ends_asking, has_quotes, in_quotes
from classifiers.voice import page_voice as voice_of_page


@dataclass(frozen=True, slots=True)
class Reading:
    genre: str
    evidence: list[str]
    signal_blocks: set[int]


def placed(hit: Hit, block: int, stance: str, counted: bool, why: str) -> Hit:
    """``hit`` in its block with its stance (a plain constructor call: ``replace`` costs twice that)."""
    return Hit(
        hit.rule,
        hit.category,
        hit.severity,
        hit.weight,
        hit.start,
        hit.end,
        hit.match,
        hit.explanation,
        hit.legal_basis,
        block,
        stance,
        counted,
        why,
    )


def _stance_cues(cache: dict[int, set[str]], block: int, cues: set[str]) -> set[str]:
    """The block's stance cues (its genre cues, ``cue:...``, left out), computed once per block."""
    found = cache.get(block)
    if found is None:
        found = cache[block] = {c for c in cues if not c.startswith("cue:")}
    return found


def _links(blocks: list[Block], signal_blocks: set[int]) -> tuple[dict[str, set[int]], set[int]]:
    """Each thread author's posts, and the single-voice blocks (not posts) that hold a signal:
    judge() only asks whether a linked block holds one, and those blocks are few, so each hit
    copies them rather than every single-voice block."""
    by_author: dict[str, set[int]] = defaultdict(set)
    for i, b in enumerate(blocks):
        if b.kind == "post" and b.author:
            by_author[b.author].add(i)
    single_voice = {i for i, b in enumerate(blocks) if b.kind != "post"}
    return by_author, single_voice & signal_blocks


def _asking_opener(
    blocks: list[Block], original: str, per_block: dict[int, set[str]]
) -> tuple[str | None, int] | None:
    """(author, block) of a thread's first post when it asks (a buyer's words, or it ends on a
    question): the replies under it answer a reader, they do not speak as sellers by default."""
    first = next((i for i, b in enumerate(blocks) if b.kind == "post"), None)
    if first is None:
        return None
    b = blocks[first]
    asks = "cue:consumer_question.buyer_voice" in per_block.get(first, set()) or ends_asking(
        original[b.start : b.end]
    )
    return (b.author, first) if asks else None


def _qa_speakers(d: Discourse, blocks: list[Block], original: str) -> dict[int, int]:
    """On a question-and-answer page (genres.yaml ``qa_turns``), each block's speaker: 0 for
    the page before the first turn, then a new number at each line that opens a question or an
    answer (a question's lines run until an answer opens).  Empty when the page has no answer."""
    spec = d.genres.qa_turns
    if spec is None or not any(m in original for m in spec.answer):
        return {}
    speakers: dict[int, int] = {}
    speaker, last, answered = 0, None, False
    for i, b in enumerate(blocks):
        turn = spec.turn(original[b.start : b.end]) if b.kind != "post" else None
        if turn is not None and turn != last:
            speaker, last = speaker + 1, turn
            answered = answered or turn == "answer"
        speakers[i] = speaker
    return speakers if answered else {}


def _linked(
    block: Block,
    bi: int,
    by_author: dict[str, set[int]],
    single_signal: set[int],
    turns: dict[int, int],
) -> set[int]:
    """The blocks whose call to act ties a hit in block ``bi``: a post's author's other posts;
    on a page, the other blocks with a signal, of the same speaker on a question-and-answer
    page (``_qa_speakers``)."""
    if block.kind == "post":
        return by_author.get(block.author or "", set()) - {bi}
    if turns:
        return {b for b in single_signal if b != bi and turns.get(b, 0) == turns.get(bi, 0)}
    return single_signal - {bi}


def _sellers_line(block: Block, original: str, bi: int, signal_blocks: set[int]) -> bool:
    """Whether a line of a buyer's page read as one text (not a post) is a seller's reply inside
    it: it carries a call to act of its own, not in quotation marks (a call the buyer retells
    with 对方/有人/说 is no call of the page's: ``Discourse.own_call``)."""
    return (
        block.kind != "post"
        and bi in signal_blocks
        and not has_quotes(original[block.start : block.end])
    )


def _hit_voice(
    block: Block, cues: set[str], original: str, page_voice: str, buyer_page: bool
) -> tuple[bool, str]:
    """(whether the block's speaker is a buyer, the block's default voice).  A buyer's question
    speaks for the page, except in a thread, where each post speaks for its author: a seller's
    reply under a victim's question still offers."""
    if block.kind == "post":
        buyer = "cue:consumer_question.buyer_voice" in cues or ends_asking(
            original[block.start : block.end]
        )
    else:
        buyer = buyer_page
    return buyer, block_voice(block, page_voice, buyer)


def _asker_again(
    opener: tuple[str | None, int] | None, block: Block, index: int, signal_blocks: set[int]
) -> bool:
    """Whether ``block`` is a later post of the author who opened a thread by asking, with no
    call to act of its own: the asker thanking the thread ("挂证这条就不考虑了") still speaks
    as the buyer, not as a seller."""
    return (
        opener is not None
        and block.kind == "post"
        and index > opener[1]
        and bool(block.author)
        and block.author == opener[0]
        and index not in signal_blocks
    )


def _replies_to(opener: tuple[str | None, int] | None, block: Block, index: int) -> bool:
    """Whether ``block`` is another author's post after a thread's asking first post."""
    return opener is not None and index > opener[1] and block.author != opener[0]


def _refusal_beside(
    d: Discourse, norm: Normalized, marks: Marks, block: Block, n_start: int, n_end: int
) -> str | None:
    """A refusal (a stances.yaml ``denied`` cue read before what it denies) in the sentence of
    the hit at normalized ``[n_start, n_end)`` or the one before or after it, within its
    paragraph, or None.  An honest seller names a practice and refuses it in the next breath
    ("……只把证放在机构名下……这样的事我们不做", "保证不了……凡是写“包授权”的，要留个心眼");
    an advert's "同行都是骗子" is a condemnation of others, not a refusal, and stays out."""
    s, e = sentence_span(marks, n_start, n_end, len(norm.text))
    k = bisect_left(marks.ends, s) - 1
    lo = marks.ends[k - 1] + 1 if k >= 1 else 0
    m = bisect_right(marks.ends, e)
    hi = marks.ends[m] if m < len(marks.ends) else len(norm.text)
    found = marks.found[bisect_left(marks.starts, lo) : bisect_left(marks.starts, hi)]
    # a break between a refusal and the hit after it starts a new claim ("我们不保证速度，但…
    # 包授权"); after the hit, a new first-person subject is the one who refuses ("对于他人的
    # 品牌，我们拒绝代理"), and only a contrast parts them
    breaks = [(p, term) for p, _, term in found if term in d.break_terms]
    covers = [(p, q) for p, q, term in found if term in d.refusal_unless]
    for p, q, term in found:
        if term not in d.refusal_terms or any(c <= p and q <= e for c, e in covers):
            continue
        if any((q <= b < n_start) or (n_end <= b < p and "我" not in word) for b, word in breaks):
            continue
        if block.start <= norm.original_span(p, q)[0] < block.end:
            return term
    return None


def _unsold(
    d: Discourse,
    norm: Normalized,
    marks: Marks,
    block: Block,
    hit: Hit,
    cues: set[str],
    span: tuple[int, int],
) -> tuple[str, str] | None:
    """(stance, why) for a hit offered by the voice of a seller's paragraph that carries no
    call to act, when the paragraph does not sell it: a refusal beside it
    (``_refusal_beside``), or the phrase only quoted (“包授权” named, not offered).  A
    paragraph with a first-person offer ("我们可以…") sells; a post speaks for its author."""
    if block.kind != "paragraph" or "offered" in cues:
        return None
    refusal = _refusal_beside(d, norm, marks, block, span[0], span[1])
    if refusal is not None:
        return "denied", f"the paragraph refuses it: {refusal}"
    if in_quotes(norm.original, hit.start, hit.end):
        return "reported", "quoted: a mention, with no call to act beside it"
    return None


#: the shortest title whose words, found again in a paragraph's question, make it the heading
TITLE_MIN: Final = 6
#: the longest line that reads as a heading of its own: a bare phrase or a single question
HEADING_MAX: Final = 40
_CLAUSE_MARKS: Final = frozenset("，,。；;：:！!")


def _headings(original: str, blocks: list[Block]) -> list[str]:
    """The page's headings: its title, and each short line that is a bare phrase or a single
    question (no clause inside it).  A page captured with its chrome first (a hotline, a
    breadcrumb) still has the article's own heading lines below."""
    out: list[str] = []
    for b in blocks:
        line = original[b.start : b.end].strip()
        if b.kind == "title" or (
            b.kind == "paragraph"
            and len(line) <= HEADING_MAX
            and not _CLAUSE_MARKS.intersection(line)
        ):
            out.append(line.rstrip("?？"))
    return [h for h in out if len(h) >= TITLE_MIN]


def _restates_title(
    norm: Normalized, marks: Marks, n_start: int, n_end: int, headings: list[str]
) -> bool:
    """Whether the sentence of the hit at normalized ``[n_start, n_end)`` is or restates one of
    the page's ``headings`` ("小编为大家介绍一下，<the title's question>"): the writer's heading,
    not a reader asking."""
    s, e = sentence_span(marks, n_start, n_end, len(norm.text))
    o_s, o_e = norm.original_span(s, e)
    sentence = norm.original[o_s : o_e + 1]
    return any(h in sentence for h in headings)


def judge(
    stance: str,
    block: int,
    linked: set[int],
    signal_blocks: set[int],
    offer_blocks: set[int] | None = None,
) -> bool:
    """Whether a hit counts: offered, or tieable and tied to a call to act in its block or a
    linked one.  With ``offer_blocks`` (for a topic the page merely describes) only a call that
    offers the service (``offer_call``) ties, not an invitation to ask the editors or a
    header's hotline."""
    if stance == "offered":
        return True
    if stance not in TIEABLE:
        return False
    calls = signal_blocks if offer_blocks is None else offer_blocks
    if stance == "hearsay":
        # retold words are a third party's: only a call beside them makes them the speaker's
        return block in calls
    return block in calls or bool(linked & calls)


def _topical(topic: bool, stance: str, heading: bool) -> bool:
    """Whether a hit is a topic (``topics`` in genres.yaml) that an article describes, or any
    hit the article asks in its heading (its title, or a paragraph's question restating it: the
    writer's question about the subject, which the article answers, under an explainer's or a
    site's chrome alike: "申请被驳回能退费吗？"): only a call that offers the service ties it.
    A claim, or what the page promotes or retells, is tied by any call to act."""
    return (topic and stance == "described") or (stance == "asked" and heading)


def _sentence_stance(
    d: Discourse,
    norm: Normalized,
    marks: Marks,
    span: tuple[int, int, int, int],
    voice: str,
    block: Block,
    own_paragraph: bool,
    cues: set[str],
) -> tuple[str, str]:
    """(stance, why) of a hit at ``span`` (normalized start and end, original start and end)
    in its sentence and block (``Discourse.stance``)."""
    n_start, n_end, o_start, o_end = span
    # a reader's or an answerer's post is judged by its own cues too: a customer who praises
    # what they bought promotes it, and a reply's "找我们" offers
    post_cues = block.kind == "post" and voice != "offered"
    return d.stance(
        norm,
        marks,
        n_start,
        n_end,
        o_start,
        o_end,
        voice,
        # an article's recommending or first-person cues judge its own paragraphs; a seller's
        # post or a banner already speaks in its author's voice
        own_paragraph or post_cues,
        cues,
        block.end if own_paragraph else None,
        # a page's own question is answered by what follows; a post's by nobody
        block.kind != "post",
    )


@dataclass(slots=True)
class _Page:
    """What read_hits learns of a page once, for reading each of its hits (``_read_hit``)."""

    d: Discourse
    norm: Normalized
    marks: Marks | None
    blocks: list[Block]
    page: PageReading
    per_block: dict[int, set[str]]
    page_voice: str
    explainer: bool
    chrome: bool
    topics: frozenset[str]
    chrome_topics: frozenset[str]
    buyer_page: bool
    by_author: dict[str, set[int]]
    single_signal: set[int]
    turns: dict[int, int]
    opener: tuple[str | None, int] | None
    headings: list[str]
    stance_cues: dict[int, set[str]]
    #: whether the page has a refusal or a quotation mark at all (``_unsold`` can apply)
    unsold: bool
    #: each sentence stance read (``_sentence_stance``) by its hit's spans, voice, block and
    #: paragraph reading: several rules often hit one phrase, whose reading is the same
    stances: dict[tuple[int, int, int, int, str, int, bool], tuple[str, str]]


def read_hits(
    discourse: Discourse | None,
    norm: Normalized,
    occ: Occurrences,
    found: list[tuple[Hit, int, int]],
    entities: list[Entity],
    blocks: list[Block],
    gates: set[str] | None = None,
) -> tuple[list[Hit], Reading]:
    """Each hit with its block, stance and whether it counts (``classifiers.discourse``); ``gates``:
    the regexes' required strings on the page (``Discourse.read_page``)."""
    index = BlockIndex(blocks)
    if discourse is None:
        plain = [placed(h, index.at(h.start), h.stance, h.counted, h.why) for h, _, _ in found]
        return plain, Reading("other", [], set())
    d = discourse
    contacts = [e.start for e in entities if e.kind in {"phone", "wechat", "qq"}]
    topics = frozenset(d.genres.topics)
    topical_page = bool(topics) and any(h.rule in topics for h, _, _ in found)
    marks = d.marks(norm.text, occ) if found else None
    page, per_block = d.read_page(
        norm, index, contacts if found else [], occ, bool(found), topical_page, marks, gates
    )
    page_voice = voice_of_page(d.genres, page.genre, page.genre_scores, len(norm.text))
    explainer = page_voice == "described"
    # an article under a seller's chrome: its paragraphs describe the topics they name
    chrome = topical_page and chrome_article(
        d.genres, page.genre, page.genre_scores, page.selling, len(norm.text)
    )
    by_author, single_signal = _links(blocks, page.signal_blocks)
    ctx = _Page(
        d=d,
        norm=norm,
        marks=marks,
        blocks=blocks,
        page=page,
        per_block=per_block,
        page_voice=page_voice,
        explainer=explainer,
        chrome=chrome,
        topics=topics,
        chrome_topics=topics if chrome else frozenset(),
        buyer_page=page.genre == "consumer_question",
        by_author=by_author,
        single_signal=single_signal,
        turns=_qa_speakers(d, blocks, norm.original) if found else {},
        opener=_asking_opener(blocks, norm.original, per_block),
        headings=_headings(norm.original, blocks) if explainer or chrome else [],
        stance_cues={},
        unsold=page.quotes
        or (marks is not None and any(t in d.refusal_terms for _, _, t in marks.found)),
        stances={},
    )
    hits = [
        _read_hit(ctx, index.at(hit.start), hit, n_start, n_end) for hit, n_start, n_end in found
    ]
    return hits, Reading(page.genre, page.genre_evidence, page.signal_blocks)


def _read_hit(c: _Page, bi: int, hit: Hit, n_start: int, n_end: int) -> Hit:
    """One hit of the page ``c`` in block ``bi``, with its stance and whether it counts."""
    d, norm, marks, page, block = c.d, c.norm, c.marks, c.page, c.blocks[bi]
    cues = c.per_block.get(bi, set())
    buyer, voice = _hit_voice(block, cues, norm.original, c.page_voice, c.buyer_page)
    if not buyer and _asker_again(c.opener, block, bi, page.signal_blocks):
        buyer, voice = True, "asked"
    if voice == "offered" and (
        (ANSWER in cues and _replies_to(c.opener, block, bi))
        or (hit.rule in c.chrome_topics and block.kind == "paragraph")
    ):
        # a reply to the asker of a reader's question answers it, and an article under a
        # seller's chrome describes its topics: they offer only in their own words ("我们
        # 可以办") or with their author's call to act
        voice = "described"
    if n_start < 0:  # the licensed-agency check: about the firm itself, no sentence
        stance, why = voice, "licensed-agency register"
    else:
        assert marks is not None
        own_paragraph = voice == "described" and (c.explainer or hit.rule in c.chrome_topics)
        key = (n_start, n_end, hit.start, hit.end, voice, bi, own_paragraph)
        read = c.stances.get(key)
        if read is None:
            read = c.stances[key] = _sentence_stance(
                d,
                norm,
                marks,
                (n_start, n_end, hit.start, hit.end),
                voice,
                block,
                own_paragraph,
                _stance_cues(c.stance_cues, bi, cues),
            )
        stance, why = read
    if c.unsold and why.startswith("voice of the block (offered)") and bi not in page.signal_blocks:
        assert marks is not None
        stance, why = _unsold(d, norm, marks, block, hit, cues, (n_start, n_end)) or (stance, why)
    linked = _linked(block, bi, c.by_author, c.single_signal, c.turns)
    heading = (c.explainer or c.chrome) and stance == "asked" and block.kind != "post"
    # a paragraph's question heads the article only where it restates the title
    if heading and block.kind != "title":
        assert marks is not None
        heading = _restates_title(norm, marks, n_start, n_end, c.headings)
    # a post speaks for its author alone: its author's own call ties it (the topic rule's
    # restriction is for an article's paragraphs under the site's chrome)
    topical = block.kind != "post" and _topical(hit.rule in c.topics, stance, heading)
    offer_calls = page.offer_blocks if topical else None
    if buyer and _sellers_line(block, norm.original, bi, page.signal_blocks):
        buyer, linked = False, set()
    counted = stance == "offered" or (
        not buyer and judge(stance, bi, linked, page.signal_blocks, offer_calls)
    )
    if counted and stance != "offered":
        why += "; tied to a call to act"
    return placed(hit, bi, stance, counted, why)
