"""The rule engine: rule packs compiled into one Aho-Corasick automaton, then scored.

First pass: one scan of the normalized text finds every term of every rule,
exception and signal.  Only the rules whose anchors occurred are evaluated; their
conditions (groups, regexes, negations, exception contexts) look at small
windows around each anchor.  jieba runs only on a few characters around the
anchors a rule marks as ambiguous (``word``).
"""

from __future__ import annotations

import bisect
import copy
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import ahocorasick
import yaml

from classifiers.blocks import Block, BlockIndex, cover, join_blocks, line_blocks, parse_blocks
from classifiers.categories import CATEGORY_KEYS, DEFAULT_RULES_DIR, load_categories
from classifiers.discourse import (
    Discourse,
    block_voice,
    ends_asking,
    in_quotes,
    load_discourse,
)
from classifiers.entities import extract_entities
from classifiers.licensed import LicensedRegistry
from classifiers.normalize import NormalizationError, Normalized, Normalizer
from classifiers.pack import (
    ExceptionContext,
    ExceptionsFile,
    Rule,
    RulePack,
    RulePackError,
    Signals,
)
from classifiers.segment import is_whole_word, tokenizer
from classifiers.verdict import SEVERITY_RANK, Entity, Hit, Verdict

RESERVED_FILES = frozenset(
    {
        "categories.yaml",
        "variants.yaml",
        "exceptions.yaml",
        "concepts.yaml",
        "genres.yaml",
        "stances.yaml",
        "offices.yaml",  # office data (classifiers/offices.py)
        "mobile_prefixes.yaml",
    }
)
MAX_HITS_PER_RULE = 20
MAX_HIGHLIGHT = 24
_LINE_BREAK = re.compile("\n")


@dataclass(slots=True)
class _Context:
    name: str
    terms: tuple[str, ...]
    document: bool
    before: int
    after: int
    unless: tuple[str, ...]
    quoted: bool
    line: bool


@dataclass(slots=True)
class _Compiled:
    rule: Rule
    legal_basis: str
    anchors: list[str]
    groups: list[tuple[str, ...]]
    none: tuple[str, ...]
    context: tuple[str, ...]
    regexes: list[re.Pattern[str]]
    regex_anchors: bool
    word: frozenset[str]
    contexts: list[_Context]


Occurrences = dict[str, list[int]]


def load_packs(rules_dir: Path) -> list[RulePack]:
    """Every pack in ``rules_dir`` (``*.yaml`` but the reserved data files), sorted by file name."""
    if not rules_dir.is_dir():
        raise RulePackError(f"{rules_dir}: rules directory does not exist")
    packs = [
        RulePack.from_file(path)
        for path in sorted(rules_dir.glob("*.yaml"))
        if path.name not in RESERVED_FILES
    ]
    if not packs:
        raise RulePackError(f"{rules_dir}: no rule packs (*.yaml)")
    ids: dict[str, Path | None] = {}
    for pack in packs:
        for rule in pack.rules:
            if rule.id in ids:
                raise RulePackError(
                    f"{pack.source}: rule {rule.id}: field id: also defined in {ids[rule.id]}"
                )
            ids[rule.id] = pack.source
    return packs


def load_concepts(rules_dir: Path) -> dict[str, list[str]]:
    """Named term lists (``rules/concepts.yaml``) that rules cite as ``@name``."""
    return _load_mapping(rules_dir / "concepts.yaml", "concepts")


def load_variants(rules_dir: Path) -> dict[str, list[str]]:
    return _load_mapping(rules_dir / "variants.yaml", "variants")


def _load_mapping(path: Path, key: str) -> dict[str, list[str]]:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RulePackError(f"{path}: not valid YAML: {exc}") from exc
    mapping = data.get(key) if isinstance(data, dict) else None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(f, str) and f for f in v)
        for k, v in mapping.items()
    ):
        raise RulePackError(
            f"{path}: field {key}: expected a mapping of name -> list of non-empty strings"
        )
    return {k: list(map(str, v)) for k, v in mapping.items()}


class Classifier:
    """Compiled rule packs; thread-safe to call, expensive to build (build once)."""

    def __init__(
        self,
        packs: list[RulePack],
        exceptions: ExceptionsFile | None = None,
        variants: dict[str, list[str]] | None = None,
        threshold: float = 0.5,
        rules_dir: Path | None = None,
        concepts: dict[str, list[str]] | None = None,
    ) -> None:
        self.rules_dir = rules_dir or DEFAULT_RULES_DIR
        self.packs = packs
        self.concepts: dict[str, list[str]] = concepts or {}
        self.registry: LicensedRegistry | None = None
        self.threshold = threshold
        try:
            self.normalizer = Normalizer(variants or {})
        except NormalizationError as exc:
            raise RulePackError(f"{self.rules_dir / 'variants.yaml'}: {exc}") from exc
        self._userdict = self.rules_dir / "userdict.txt"
        exceptions = exceptions or ExceptionsFile(contexts={})
        self.signals: Signals = exceptions.signals
        categories = load_categories(self.rules_dir)
        terms: set[str] = set()
        self._rules: list[_Compiled] = []
        # One tuple object per distinct term list: _Merged caches merged occurrences by
        # identity, so rules citing the same concept share one merge per document.
        self._interned: dict[tuple[str, ...], tuple[str, ...]] = {}
        for pack in packs:
            for rule in pack.rules:
                compiled = self._compile(
                    rule, exceptions.contexts, categories[rule.category].legal_basis, pack
                )
                self._rules.append(compiled)
                terms.update(compiled.anchors)
                terms.update(t for g in compiled.groups for t in g)
                terms.update(compiled.none)
                terms.update(compiled.context)
                for ctx in compiled.contexts:
                    terms.update(ctx.terms)
                    terms.update(ctx.unless)
        self._contact_terms = [self._norm(t) for t in self.signals.contact_terms]
        terms.update(self._contact_terms)
        # genre and stance cues share the one scan of each page
        self.discourse: Discourse | None = load_discourse(self.rules_dir, self.normalizer)
        if self.discourse is not None:
            terms.update(self.discourse.terms())
        terms.discard("")
        # The automaton runs over UTF-16 code units viewed as Latin-1 characters: with a
        # few hundred distinct first characters the root of a character trie is slow to
        # step through, while byte-wise it has a few dozen children.  Normalized text
        # holds no astral characters, so every character is exactly two units.
        self._automaton = ahocorasick.Automaton()
        for term in terms:
            self._automaton.add_word(_units(term), term)
        self._automaton.make_automaton()
        self._by_anchor: dict[str, list[_Compiled]] = defaultdict(list)
        self._always: list[_Compiled] = []
        for compiled in self._rules:
            if compiled.regex_anchors:
                self._always.append(compiled)
            for term in set(compiled.anchors):
                self._by_anchor[term].append(compiled)
        digest = hashlib.sha256()
        if self.discourse is not None:
            digest.update(self.discourse.genres.model_dump_json().encode())
            digest.update(self.discourse.stances.model_dump_json().encode())
        for pack in packs:
            digest.update(pack.model_dump_json().encode())
        digest.update(exceptions.model_dump_json().encode())
        digest.update(repr(sorted((variants or {}).items())).encode())
        digest.update(repr(sorted(self.concepts.items())).encode())
        newest = max(pack.version for pack in packs)
        self.rules_version = f"{newest}+{digest.hexdigest()[:10]}"

    def warm_up(self) -> None:
        """Load jieba and the user dictionary now rather than on the first ambiguous term."""
        tokenizer(self._userdict)

    def with_registry(self, registry: LicensedRegistry | None) -> Classifier:
        """A copy sharing the compiled rules that also runs the licensed-agency check."""
        clone = copy.copy(self)
        clone.registry = registry
        return clone

    def _intern(self, terms: tuple[str, ...]) -> tuple[str, ...]:
        return self._interned.setdefault(terms, terms)

    def _norm(self, term: str) -> str:
        return self.normalizer.normalize(term).text

    def _compile(
        self, rule: Rule, contexts: dict[str, ExceptionContext], default_basis: str, pack: RulePack
    ) -> _Compiled:
        unknown = [name for name in rule.exceptions if name not in contexts]
        if unknown:
            raise RulePackError(
                f"{pack.source}: rule {rule.id}: field exceptions: unknown context(s) {unknown}; "
                f"known: {sorted(contexts)}"
            )

        def expand(terms: list[str], field: str) -> list[str]:
            out: list[str] = []
            for term in terms:
                if term.startswith("@"):
                    if term[1:] not in self.concepts:
                        raise RulePackError(
                            f"{pack.source}: rule {rule.id}: field {field}: unknown concept {term}; "
                            f"known: {sorted(self.concepts)}"
                        )
                    out.extend(self.concepts[term[1:]])
                else:
                    out.append(term)
            return [self._norm(t) for t in dict.fromkeys(out)]

        groups = [expand(g, f"all.{i}") for i, g in enumerate(rule.all)]
        anchors = expand(rule.any, "any")
        rule = rule.model_copy(
            update={"none": expand(rule.none, "none"), "word": expand(rule.word, "word")}
        )
        if not anchors and groups:
            anchors, groups = groups[0], groups[1:]
        for term in anchors + [t for g in groups for t in g] + rule.none:
            if not self._norm(term):
                raise RulePackError(
                    f"{pack.source}: rule {rule.id}: term {term!r} normalizes to nothing"
                )
        ctx = [
            _Context(
                name,
                self._intern(tuple(self._norm(t) for t in c.terms)),
                c.scope == "document",
                c.before,
                c.after,
                tuple(self._norm(t) for t in c.unless),
                c.quoted,
                c.line,
            )
            for name, c in contexts.items()
            if name in rule.exceptions
        ]
        return _Compiled(
            rule=rule,
            legal_basis=rule.legal_basis or default_basis,
            anchors=anchors,
            groups=[self._intern(tuple(g)) for g in groups],
            none=self._intern(tuple(self._norm(t) for t in rule.none)),
            context=self._intern(tuple(expand(rule.context, "context"))),
            regexes=[re.compile(p) for p in rule.regex],
            regex_anchors=not anchors,
            word=frozenset(self._norm(t) for t in rule.word),
            contexts=ctx,
        )

    # -- classification -------------------------------------------------------------

    def classify(self, text: str, title: str = "", blocks: list[Block] | None = None) -> Verdict:
        """Classify ``title + "\\n" + text`` (or ``text`` alone when there is no title).

        Hit and entity offsets index that combined string, so with a title the
        text's own offsets are shifted by ``len(title) + 1``; ``store.models.RuleHit``
        stores them that way.  ``blocks`` (spans of the same string) say what a reader
        sees: title, paragraphs, posts with their authors; by default the title and
        each line.
        """
        original = f"{title}\n{text}" if title else text
        norm = self.normalizer.normalize(original)
        occ = self._scan(norm.text)
        merged = _Merged(occ)
        found: list[tuple[Hit, int, int]] = []
        for compiled in self._candidates(occ):
            found.extend(self._evaluate(compiled, norm, occ, merged))
        entities = extract_entities(original)
        if self.registry is not None:
            found.extend((hit, -1, -1) for hit in self.registry.check(original, entities))
        if blocks is None:
            # a plain page's line blocks are already sorted, disjoint and cover every line that is
            # not blank: what cover() would return
            covered = line_blocks(text, title) or [Block(0, len(original), "paragraph")]
        else:
            covered = cover(blocks, original)
        hits, reading = self._read(norm, occ, found, entities, covered)
        return self._verdict(hits, entities, occ, covered, reading)

    def classify_blocks(self, raw: object) -> Verdict:
        """Classify blocks (``[{"text", "kind"?, "author"?, "ref"?}, ...]``); offsets index their
        texts joined by line breaks, and each hit names its block.  Raises ``BlockError``."""
        text, blocks = join_blocks(parse_blocks(raw))
        return self.classify(text, "", blocks)

    def hits_only(self, text: str) -> list[Hit]:
        """The hits for ``text`` (no title), for rule examples: the rules alone, before stance."""
        norm = self.normalizer.normalize(text)
        occ = self._scan(norm.text)
        merged = _Merged(occ)
        out: list[Hit] = []
        for compiled in self._candidates(occ):
            out.extend(hit for hit, _, _ in self._evaluate(compiled, norm, occ, merged))
        return out

    def _read(
        self,
        norm: Normalized,
        occ: Occurrences,
        found: list[tuple[Hit, int, int]],
        entities: list[Entity],
        blocks: list[Block],
    ) -> tuple[list[Hit], _Reading]:
        """Each hit with its block, stance and whether it counts (see ``classifiers.discourse``)."""
        index = BlockIndex(blocks)
        if self.discourse is None:
            plain = [_placed(h, index.at(h.start), h.stance, h.counted, h.why) for h, _, _ in found]
            return plain, _Reading("other", [], set())
        d = self.discourse
        contacts = [e.start for e in entities if e.kind in {"phone", "wechat", "qq"}]
        page, per_block = d.read_page(norm, index, contacts if found else [], occ, bool(found))
        marks = d.marks(norm.text, occ) if found else None
        page_voice = d.voice(page, len(norm.text))
        explainer = page_voice == "described"
        buyer_page = page.genre == "consumer_question"
        single_voice = {i for i, b in enumerate(blocks) if b.kind != "post"}
        by_author: dict[str, set[int]] = defaultdict(set)
        for i, b in enumerate(blocks):
            if b.kind == "post" and b.author:
                by_author[b.author].add(i)
        # judge() only asks whether a linked block holds a signal: the single-voice blocks that
        # do are few, so each hit copies those rather than every single-voice block
        single_signal = single_voice & page.signal_blocks
        stance_cues: dict[int, set[str]] = {}
        hits: list[Hit] = []
        for hit, n_start, n_end in found:
            bi = index.at(hit.start)
            block = blocks[bi]
            cues = per_block.get(bi, set())
            # a buyer's question speaks for the page, except in a thread, where each post
            # speaks for its author: a seller's reply under a victim's question still offers
            if block.kind == "post":
                buyer = "cue:consumer_question.buyer_voice" in cues or ends_asking(
                    norm.original[block.start : block.end]
                )
            else:
                buyer = buyer_page
            voice = block_voice(block, page_voice, buyer)
            if n_start < 0:  # the licensed-agency check: about the firm itself, no sentence
                stance, why = voice, "licensed-agency register"
            else:
                assert marks is not None
                stance, why = d.stance(
                    norm,
                    marks,
                    n_start,
                    n_end,
                    hit.start,
                    hit.end,
                    voice,
                    # an article's recommending or first-person cues judge its own paragraphs;
                    # a post or a banner already speaks in its author's voice
                    explainer and voice == page_voice,
                    _stance_cues(stance_cues, bi, cues),
                )
            if block.kind == "post":
                linked = by_author.get(block.author or "", set()) - {bi}
            else:
                linked = single_signal - {bi}
            counted = stance == "offered" or (
                not buyer and d.judge(stance, bi, linked, page.signal_blocks)
            )
            if counted and stance != "offered":
                why += "; tied to a call to act"
            hits.append(_placed(hit, bi, stance, counted, why))
        return hits, _Reading(page.genre, page.genre_evidence, page.signal_blocks)

    def _scan(self, text: str) -> Occurrences:
        occ: Occurrences = defaultdict(list)
        for end, term in self._automaton.iter(_units(text)):
            if end & 1:  # aligned on a character, not straddling two
                occ[term].append((end + 1) // 2 - len(term))
        # one term's occurrences all have its length, so they come in order of their start
        return dict(occ)

    def _candidates(self, occ: Occurrences) -> list[_Compiled]:
        seen: dict[int, _Compiled] = {}
        for term in occ:
            for compiled in self._by_anchor.get(term, ()):
                seen[id(compiled)] = compiled
        for compiled in self._always:
            seen[id(compiled)] = compiled
        return list(seen.values())

    def _evaluate(
        self, c: _Compiled, norm: Normalized, occ: Occurrences, merged: _Merged
    ) -> Iterable[tuple[Hit, int, int]]:
        text = norm.text
        for group in (*c.groups, c.context):
            if group and not any(term in occ for term in group):
                return
        # Which exception contexts can cancel a hit on this page is known before any anchor:
        # one switched off by an ``unless`` term, or whose terms are absent, never cancels.
        contexts: list[_Context] = []
        for ctx in c.contexts:
            if ctx.unless and merged.any_present(ctx.unless):
                continue
            if not merged.any_present(ctx.terms):
                continue
            if ctx.document and not ctx.quoted:
                return  # a document context present and not limited to quotes cancels every hit
            contexts.append(ctx)
        none = c.none if c.none and merged.any_present(c.none) else ()
        spans: list[tuple[int, int]] = []
        if c.regex_anchors:
            for pattern in c.regexes:
                spans.extend(m.span() for m in pattern.finditer(text) if m.end() > m.start())
        else:
            for term in c.anchors:
                found = occ.get(term)
                if found:
                    n = len(term)
                    spans.extend([(s, s + n) for s in found])
        spans.sort()
        emitted = 0
        last_end = -1
        rule = c.rule
        for start, end in spans:
            if start < last_end:
                continue
            span = self._holds(c, norm, start, end, occ, merged, contexts, none)
            if span is None:
                continue
            last_end = end
            o_start, o_end = norm.original_span(*span)
            hit = Hit(
                rule.id,
                rule.category,
                rule.severity,
                rule.weight,
                o_start,
                o_end,
                norm.original[o_start:o_end],
                rule.explanation,
                c.legal_basis,
            )
            yield hit, span[0], span[1]
            emitted += 1
            if emitted >= MAX_HITS_PER_RULE:
                return

    def _holds(
        self,
        c: _Compiled,
        norm: Normalized,
        start: int,
        end: int,
        occ: Occurrences,
        merged: _Merged,
        contexts: list[_Context],
        none: tuple[str, ...],
    ) -> tuple[int, int] | None:
        """The span to report if the rule holds at this anchor, else None.

        The span covers the anchor and the nearest term of each group when that stays
        short (e.g. "保证" + "出证"), so the reviewer sees the claim, not one word of it.
        ``contexts`` and ``none`` are the rule's exception contexts and cancelling terms
        that can apply on this page at all (see :meth:`_evaluate`).
        """
        text = norm.text
        window = c.rule.window
        lo, hi = start - window, end + window
        span_start, span_end = start, end
        for group in c.groups:
            found = merged.nearest(group, lo, hi, start, end)
            if found is None:
                return None
            if found[0] < span_start:
                span_start = found[0]
            if found[1] > span_end:
                span_end = found[1]
        if c.context and not merged.within(
            c.context, start - c.rule.context_window, end + c.rule.context_window
        ):
            return None
        if c.regexes and not c.regex_anchors:
            piece = text[max(0, lo) : hi]
            if not any(p.search(piece) for p in c.regexes):
                return None
        if none and merged.within(none, lo, hi):
            return None
        for ctx in contexts:
            if ctx.quoted and not in_quotes(norm.original, *norm.original_span(start, end)):
                continue
            if ctx.document:
                return None  # present on the page (checked in _evaluate)
            if ctx.line:
                if any(
                    merged.same_line(norm, (start, end), found)
                    for found in merged.spans_within(
                        ctx.terms, start - ctx.before, end + ctx.after, (start, end)
                    )
                ):
                    return None
            elif merged.within(ctx.terms, start - ctx.before, end + ctx.after, (start, end)):
                return None
        if (
            c.word
            and text[start:end] in c.word
            and not is_whole_word(tokenizer(self._userdict), text, start, end)
        ):
            return None
        if span_end - span_start > MAX_HIGHLIGHT:
            return start, end
        return span_start, span_end

    def _scores(self, hits: Iterable[Hit], contact: bool) -> dict[str, float]:
        best: dict[str, dict[str, float]] = defaultdict(dict)
        for hit in hits:
            rules = best[hit.category]
            rules[hit.rule] = max(rules.get(hit.rule, 0.0), hit.weight)
        scores: dict[str, float] = {}
        for category, rules in best.items():
            miss = 1.0
            for weight in rules.values():
                miss *= 1.0 - weight
            score = 1.0 - miss
            if contact:
                score += (1.0 - score) * self.signals.contact_boost
            scores[category] = round(score, 4)
        return scores

    def _ranked(self, scores: dict[str, float]) -> list[str]:
        ranked = sorted(scores, key=lambda k: (-scores[k], CATEGORY_KEYS.index(k)))
        return [k for k in ranked if scores[k] >= self.threshold]

    def _verdict(
        self,
        hits: list[Hit],
        entities: list[Entity],
        occ: Occurrences,
        blocks: list[Block],
        reading: _Reading,
    ) -> Verdict:
        contact = any(term in occ for term in self._contact_terms) or any(
            e.kind in {"phone", "wechat", "qq"} for e in entities
        )
        counted = [h for h in hits if h.counted]
        scores = self._scores(counted, contact)
        categories = self._ranked(scores)
        top = max(scores.values(), default=0.0)
        severity = None
        for hit in counted:
            if hit.category in categories and (
                severity is None or SEVERITY_RANK[hit.severity] > SEVERITY_RANK[severity]
            ):
                severity = hit.severity
        watch: list[str] = []
        if not categories:
            watch = self._ranked(self._scores((h for h in hits if h.stance == "promoted"), False))
        tier = "offer" if categories else "watch" if watch else "none"
        offenders = [
            h.block for h in sorted(counted, key=lambda h: h.start) if h.category in categories
        ]
        # on a thread the offer is a post's (what a platform deletes), even when a line of the
        # page's chrome (a title repeated on each reply page) also counts
        offending = next(
            (b for b in offenders if b is not None and blocks[b].kind == "post"),
            offenders[0] if offenders else None,
        )
        if offending is not None and blocks[offending].kind == "title":
            # on a thread the title is its first post's: the post is what a platform deletes
            offending = next((i for i, b in enumerate(blocks) if b.kind == "post"), offending)
        return Verdict(
            irregular=bool(categories),
            score=top,
            categories=categories,
            severity=severity,
            hits=sorted(hits, key=lambda h: (h.start, h.rule)),
            entities=entities,
            rules_version=self.rules_version,
            category_scores=scores,
            genre=reading.genre,
            genre_evidence=reading.evidence,
            tier=tier,
            watch_categories=watch,
            blocks=blocks,
            offending_block=offending,
        )


@dataclass(frozen=True, slots=True)
class _Reading:
    genre: str
    evidence: list[str]
    signal_blocks: set[int]


def _placed(hit: Hit, block: int, stance: str, counted: bool, why: str) -> Hit:
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


def _units(text: str) -> str:
    return text.encode("utf-16-be").decode("latin-1")


class _Merged:
    """Per document: the occurrences of a set of terms merged into one sorted list, built on demand."""

    __slots__ = ("_occ", "_cache", "_present", "_breaks")

    def __init__(self, occ: Occurrences) -> None:
        self._occ = occ
        self._cache: dict[int, tuple[list[int], list[int]]] = {}
        self._present: dict[int, bool] = {}
        self._breaks: list[int] | None = None

    def any_present(self, terms: tuple[str, ...]) -> bool:
        """Whether any of ``terms`` occurs on the page (cached per term list)."""
        found = self._present.get(id(terms))
        if found is None:
            occ = self._occ
            found = self._present[id(terms)] = any(term in occ for term in terms)
        return found

    def _spans(self, terms: tuple[str, ...]) -> tuple[list[int], list[int]]:
        found = self._cache.get(id(terms))
        if found is None:
            occ = self._occ
            present = [term for term in terms if term in occ]
            if not present:
                found = ([], [])
            elif len(present) == 1:
                starts = occ[present[0]]
                n = len(present[0])
                found = (starts, [p + n for p in starts])
            else:
                # (start, length) packed in one int sorts like the (start, end) pairs it stands for
                keys = sorted([p << 16 | len(term) for term in present for p in occ[term]])
                starts = [k >> 16 for k in keys]
                found = (starts, [k + (s & 0xFFFF) for k, s in zip(starts, keys, strict=True)])
            self._cache[id(terms)] = found
        return found

    def same_line(self, norm: Normalized, a: tuple[int, int], b: tuple[int, int]) -> bool:
        """Whether two normalized spans come from one line of the original (no line break between)."""
        a0, a1 = norm.original_span(*a)
        b0, b1 = norm.original_span(*b)
        breaks = self._breaks
        if breaks is None:
            breaks = self._breaks = [m.start() for m in _LINE_BREAK.finditer(norm.original)]
        lo, hi = min(a0, b0), max(a1, b1)
        # no line break in original[lo:hi]
        return bisect.bisect_left(breaks, lo) == bisect.bisect_left(breaks, hi)

    def nearest(
        self, terms: tuple[str, ...], lo: int, hi: int, start: int, end: int
    ) -> tuple[int, int] | None:
        """The occurrence inside ``[lo, hi)`` closest to the anchor ``[start, end)``, if any."""
        starts, ends = self._spans(terms)
        i = bisect.bisect_left(starts, lo)
        best: tuple[int, int] | None = None
        best_gap = 1 << 30
        while i < len(starts) and starts[i] < hi:
            if ends[i] <= hi:
                gap = max(starts[i] - end, start - ends[i], 0)
                if gap < best_gap:
                    best, best_gap = (starts[i], ends[i]), gap
            i += 1
        return best

    def spans_within(
        self, terms: tuple[str, ...], lo: int, hi: int, exclude: tuple[int, int]
    ) -> Iterable[tuple[int, int]]:
        """Every occurrence entirely inside ``[lo, hi)`` but not inside ``exclude``."""
        starts, ends = self._spans(terms)
        i = bisect.bisect_left(starts, lo)
        while i < len(starts) and starts[i] < hi:
            if ends[i] <= hi and not (starts[i] >= exclude[0] and ends[i] <= exclude[1]):
                yield starts[i], ends[i]
            i += 1

    def within(
        self, terms: tuple[str, ...], lo: int, hi: int, exclude: tuple[int, int] | None = None
    ) -> bool:
        """Whether a term occurs entirely inside ``[lo, hi)``, not counting one inside ``exclude``.

        ``exclude`` is the anchor: "都是骗子" is not cancelled by the cue "骗子" it
        contains, while "不承诺" still cancels the overlapping anchor "承诺授权".
        """
        starts, ends = self._spans(terms)
        i = bisect.bisect_left(starts, lo)
        n = len(starts)
        while i < n and starts[i] < hi:
            if ends[i] <= hi and not (
                exclude is not None and starts[i] >= exclude[0] and ends[i] <= exclude[1]
            ):
                return True
            i += 1
        return False


def build_classifier(rules_dir: Path | None = None, threshold: float = 0.5) -> Classifier:
    """Load every pack, the exceptions and the variants from ``rules_dir`` and compile them."""
    rules_dir = rules_dir or DEFAULT_RULES_DIR
    exceptions_path = rules_dir / "exceptions.yaml"
    exceptions = ExceptionsFile.from_file(exceptions_path) if exceptions_path.exists() else None
    return Classifier(
        load_packs(rules_dir),
        exceptions=exceptions,
        variants=load_variants(rules_dir),
        threshold=threshold,
        rules_dir=rules_dir,
        concepts=load_concepts(rules_dir),
    )
