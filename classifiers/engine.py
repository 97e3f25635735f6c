"""The rule engine: rule packs compiled into one Aho-Corasick automaton, then scored.

First pass: one scan of the normalized text finds every term of every rule,
exception and signal.  Only the rules whose anchors occurred are evaluated; their
conditions (groups, regexes, negations, exception contexts) look at small
windows around each anchor.  jieba runs only on a few characters around the
anchors a rule marks as ambiguous (``word``).
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import ahocorasick
from mypy_extensions import mypyc_attr

from classifiers.blocks import Block, cover, join_blocks, line_blocks, parse_blocks
from classifiers.categories import CATEGORY_KEYS, DEFAULT_RULES_DIR, load_categories
from classifiers.discourse import Discourse, load_discourse
from classifiers.entities import extract_entities
from classifiers.licensed import LicensedRegistry
from classifiers.matching import Compiled, Context, evaluate
from classifiers.normalize import NormalizationError, Normalized, Normalizer
from classifiers.occurrences import Merged, Occurrences
from classifiers.pack import (
    ExceptionContext,
    ExceptionsFile,
    Rule,
    RulePack,
    RulePackError,
    Signals,
)
from classifiers.reading import Reading, read_hits
from classifiers.regex_literals import Gate, RegexNeeds, regex_needs, scanned_gate
from classifiers.regex_windows import PIECE_NEEDLES, unprefixed, windowed
from classifiers.rulefiles import load_concepts, load_packs, load_variants
from classifiers.segment import tokenizer
from classifiers.verdict import SEVERITY_RANK, Entity, Hit, Verdict

__all__ = ["Classifier", "build_classifier", "load_concepts", "load_packs", "load_variants"]


# serializable: compiled (mypyc), a native class's __new__ runs __init__ unless told otherwise,
# and copy.copy (with_registry) needs it not to
@mypyc_attr(serializable=True)
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
        self._rules: list[Compiled] = []
        # One tuple object per distinct term list: Merged caches merged occurrences by
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
                    terms.update(ctx.unless_near)
        self._contact_terms = [self._norm(t) for t in self.signals.contact_terms]
        terms.update(self._contact_terms)
        # genre and stance cues share the one scan of each page
        self.discourse: Discourse | None = load_discourse(self.rules_dir, self.normalizer)
        if self.discourse is not None:
            terms.update(self.discourse.terms())
        terms.discard("")
        # the strings the regexes require ride on the same scan (regex_literals.gate_open): a page
        # lacking them never runs the regex.  Those no rule or cue names are taken out of the
        # page's occurrences again (_scan_gated), so nothing else sees them.
        self._gate_terms = frozenset(_gate_terms(self._rules, self.discourse))
        self._gate_only = self._gate_terms - terms
        terms.update(self._gate_terms)
        # The automaton runs over UTF-16 code units viewed as Latin-1 characters: with a
        # few hundred distinct first characters the root of a character trie is slow to
        # step through, while byte-wise it has a few dozen children.  Normalized text
        # holds no astral characters, so every character is exactly two units.
        self._automaton = ahocorasick.Automaton()
        for term in terms:
            self._automaton.add_word(_units(term), term)
        self._automaton.make_automaton()
        self._by_anchor: dict[str, list[Compiled]] = defaultdict(list)
        self._always: list[Compiled] = []
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
    ) -> Compiled:
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
            Context(
                name,
                self._intern(tuple(self._norm(t) for t in c.terms)),
                c.scope == "document",
                c.before,
                c.after,
                tuple(self._norm(t) for t in c.unless),
                c.quoted,
                c.line,
                tuple(self._norm(t) for t in c.unless_near),
            )
            for name, c in contexts.items()
            if name in rule.exceptions
        ]
        regexes = [re.compile(p) for p in rule.regex]
        needs = [regex_needs(p) for p in regexes]
        return Compiled(
            rule=rule,
            legal_basis=rule.legal_basis or default_basis,
            anchors=anchors,
            anchor_set=frozenset(anchors),
            groups=[self._intern(tuple(g)) for g in groups],
            none=self._intern(tuple(self._norm(t) for t in rule.none)),
            context=self._intern(tuple(expand(rule.context, "context"))),
            regexes=regexes,
            regex_needs=needs,
            regex_gates=[_scanned_gate(n) for n in needs],
            regex_windows={p: w for p in regexes if (w := windowed(p)) is not None},
            piece_windows={
                p: w
                for p in regexes
                if unprefixed(p) and (w := windowed(p, PIECE_NEEDLES)) is not None
            }
            or None,
            regex_anchors=not anchors,
            regex_covers_anchor=rule.regex_covers_anchor,
            word=frozenset(self._norm(t) for t in rule.word),
            contexts=ctx,
            window=rule.window,
            context_window=rule.context_window,
            line=rule.reach,
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
        occ, gates = self._scan_gated(norm.text)
        merged = Merged(occ, gates)
        found: list[tuple[Hit, int, int]] = []
        for compiled, anchors in self._candidate_anchors(occ):
            evaluate(compiled, norm, occ, merged, self._userdict, found, anchors)
        entities = extract_entities(original)
        if self.registry is not None:
            found.extend((hit, -1, -1) for hit in self.registry.check(original, entities))
        if blocks is None:
            # a plain page's line blocks are already sorted, disjoint and cover every line that is
            # not blank: what cover() would return
            covered = line_blocks(text, title) or [Block(0, len(original), "paragraph")]
        else:
            covered = cover(blocks, original)
        hits, reading = self._read(norm, occ, found, entities, covered, gates)
        return self._verdict(hits, entities, occ, covered, reading)

    def classify_blocks(self, raw: object) -> Verdict:
        """Classify blocks (``[{"text", "kind"?, "author"?, "ref"?}, ...]``); offsets index their
        texts joined by line breaks, and each hit names its block.  Raises ``BlockError``."""
        text, blocks = join_blocks(parse_blocks(raw))
        return self.classify(text, "", blocks)

    def hits_only(self, text: str) -> list[Hit]:
        """The hits for ``text`` (no title), for rule examples: the rules alone, before stance."""
        norm = self.normalizer.normalize(text)
        occ, gates = self._scan_gated(norm.text)
        merged = Merged(occ, gates)
        found: list[tuple[Hit, int, int]] = []
        for compiled, anchors in self._candidate_anchors(occ):
            evaluate(compiled, norm, occ, merged, self._userdict, found, anchors)
        return [hit for hit, _, _ in found]

    def _read(
        self,
        norm: Normalized,
        occ: Occurrences,
        found: list[tuple[Hit, int, int]],
        entities: list[Entity],
        blocks: list[Block],
        gates: set[str] | None = None,
    ) -> tuple[list[Hit], Reading]:
        """Each hit with its block, stance and whether it counts (see ``classifiers.reading``)."""
        return read_hits(self.discourse, norm, occ, found, entities, blocks, gates)

    def _scan_gated(self, text: str) -> tuple[Occurrences, set[str]]:
        """The page's occurrences (``_scan``) and, apart, the regexes' required strings on it."""
        occ = self._scan(text)
        gates: set[str] = set()
        gate_terms = self._gate_terms
        gate_only = self._gate_only
        for term in list(occ):
            if term in gate_terms:
                gates.add(term)
                if term in gate_only:
                    del occ[term]
        return occ, gates

    def _scan(self, text: str) -> Occurrences:
        # typed locals and a plain dict: compiled (mypyc), the arithmetic and the appends run
        # unboxed, where the automaton's untyped items and a defaultdict take the generic paths
        occ: Occurrences = {}
        # each item typed as a tuple: compiled, its two fields are read in place, where
        # unpacking an untyped item goes through the iterator protocol
        item: tuple[int, str]
        for item in self._automaton.iter(_units(text)):
            end = item[0]
            if end & 1:  # aligned on a character, not straddling two
                term = item[1]
                start = (end + 1) // 2 - len(term)
                found = occ.get(term)
                if found is None:
                    occ[term] = [start]
                else:
                    found.append(start)
        # one term's occurrences all have its length, so they come in order of their start
        return occ

    def _candidates(self, occ: Occurrences) -> list[Compiled]:
        seen: dict[int, Compiled] = {}
        for term in occ:
            for compiled in self._by_anchor.get(term, ()):
                seen[id(compiled)] = compiled
        for compiled in self._always:
            seen[id(compiled)] = compiled
        return list(seen.values())

    def _candidate_anchors(self, occ: Occurrences) -> list[tuple[Compiled, list[str]]]:
        """``_candidates`` (in its order), each with its anchors on the page: met on the way, so
        ``evaluate`` need not intersect the page's terms with a rule's dozens of anchors."""
        seen: dict[int, tuple[Compiled, list[str]]] = {}
        for term in occ:
            for compiled in self._by_anchor.get(term, ()):
                entry = seen.get(id(compiled))
                if entry is None:
                    seen[id(compiled)] = (compiled, [term])
                else:
                    entry[1].append(term)
        for compiled in self._always:
            if id(compiled) not in seen:
                seen[id(compiled)] = (compiled, [])
        return list(seen.values())

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
        reading: Reading,
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


def _gate_terms(rules: list[Compiled], discourse: Discourse | None) -> set[str]:
    """Every string the gates of the rules' and the cues' regexes look for."""
    terms = {m for c in rules for gate in c.regex_gates for choice in gate for m in choice}
    return terms | discourse.gate_terms() if discourse is not None else terms


def _scanned_gate(needs: RegexNeeds) -> Gate:
    """The sets of a rule regex's required strings the automaton looks for (``scanned_gate``):
    normalized text holds no astral character (each is two UTF-16 units there)."""
    return scanned_gate(needs.all_of, _in_bmp)


def _in_bmp(s: str) -> bool:
    return max(s) <= "\uffff"


def _units(text: str) -> str:
    return text.encode("utf-16-be").decode("latin-1")


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
