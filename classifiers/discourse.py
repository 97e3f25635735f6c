"""Who is speaking: the genre of a page and the stance of each hit, from ``rules/genres.yaml``
and ``rules/stances.yaml``.

The rules find phrases; this layer decides whether the page's speaker makes the
offer.  A page is given a genre from structural cues (a docket number and
"经查" for a penalty decision, a byline for news, numbered articles for rules,
a question title for an explainer, a call to act for a seller).  Each hit then
gets a stance from its own sentence (denied, asked, hearsay, reported) or,
when the sentence says nothing more, from its block: banners and shop headers
speak for the site, a post for its author, a paragraph in the page's voice.
A hit counts toward ``irregular`` when it is offered, or when it is asked,
retold or promoted and a call to act sits in its block or a linked one.
Pages whose only hits promote the practice without such a call are kept as
``watch``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from classifiers.blocks import BlockIndex
from classifiers.cue_patterns import (
    Needled,
    find_calls,
    gate_terms,
    genre_patterns,
    match_genre_patterns,
    normalized_patterns,
    sentence_ends,
)
from classifiers.discourse_files import (
    STANCES,
    Cue,
    Examples,
    GenresFile,
    GenreSpec,
    SignalPatterns,
    Stance,
    StancesFile,
    StanceSpec,
    Voice,
    load_model,
)
from classifiers.negation import Negation
from classifiers.normalize import Normalized, Normalizer
from classifiers.pack import RulePackError
from classifiers.regex_literals import required_any, required_literal
from classifiers.sentences import (
    Marks,
    answer_stance,
    question_answered,
    sentence_cues,
    sentence_span,
    sentences_with,
    touches,
    uncovered,
)
from classifiers.voice import (
    OTHER,
    SELLERS,
    all_quoted,
    block_voice,
    ends_asking,
    has_quotes,
    in_quotes,
    quoted_claim,
    quoted_span,
)

# re-exported: their homes are classifiers.discourse_files, .regex_literals, .sentences
# and .voice
__all__ = [
    "ANSWER",
    "OTHER",
    "STANCES",
    "TIEABLE",
    "Cue",
    "Discourse",
    "Examples",
    "GenreSpec",
    "GenresFile",
    "Judged",
    "Marks",
    "PageReading",
    "SignalPatterns",
    "Stance",
    "StanceSpec",
    "StancesFile",
    "Voice",
    "block_voice",
    "ends_asking",
    "in_quotes",
    "load_discourse",
    "required_any",
    "required_literal",
]

#: the block cue of a reply that speaks to the asker (genres.yaml ``replies``)
ANSWER: Final = "answer"
#: Stances that count once a call to act is tied to them.
TIEABLE: Final = frozenset({"asked", "hearsay", "described", "promoted"})
_QUESTION_END: Final = "？"
_WHY: Final = re.compile("为什么|为何")
#: the stance cues before a call to act that make it someone else's (``own_call``)
_OTHERS: Final = "others"
_NOT_OWN: Final = tuple((name, "before") for name in ("denied", "hearsay", "reported", _OTHERS))
_NOT_OWN_WORD: Final = (*_NOT_OWN[:3], ("denied", "after"))
_FOREIGN: Final = frozenset(name for name, _ in _NOT_OWN)


@dataclass(frozen=True, slots=True)
class Judged:
    """A hit's stance, whether it counts, and the words that decided it."""

    stance: str
    counted: bool
    why: str


@dataclass(slots=True)
class PageReading:
    genre: str
    genre_scores: dict[str, float]
    genre_evidence: list[str]
    signal_blocks: set[int] = field(default_factory=set)
    #: blocks whose call to act offers the service itself (``offer_call``), a subset of the above
    offer_blocks: set[int] = field(default_factory=set)
    #: the genre scores without the cues site chrome carries (``Cue.chrome``)
    selling: dict[str, float] = field(default_factory=dict)
    #: whether the page has any opening quotation mark (``voice.has_quotes``)
    quotes: bool = False


class Discourse:
    """Compiled genre and stance cues; build once (it shares the rules' normalizer)."""

    def __init__(
        self, genres: GenresFile, stances: StancesFile, normalizer: Normalizer, source: Path
    ) -> None:
        self.genres = genres
        self.stances = stances
        self.source = source
        self._normalizer = normalizer

        def norm(term: str) -> str:
            return normalizer.normalize(term).text

        self.version = f"{genres.version}/{stances.version}"
        self._terms: dict[str, list[tuple[str, str]]] = defaultdict(list)  # term -> (kind, name)
        for genre, spec in genres.genres.items():
            for cue in spec.cues:
                for term in cue.terms:
                    self._terms[norm(term)].append(("cue", f"{genre}.{cue.name}"))
        for term in genres.signals:
            self._terms[norm(term)].append(("signal", "signal"))
        for name, st in stances.stances.items():
            for term in st.block:
                self._terms[norm(term)].append(("block", name))
        for term in genres.replies.terms if genres.replies else ():
            self._terms[norm(term)].append(("block", ANSWER))
        self._terms.pop("", None)
        self._regexes = genre_patterns(genres, normalizer)
        # regex calls to act run on the normalized text (simplified, full-width folded)
        self._signal_res = normalized_patterns(
            genres.call_to_act.regex if genres.call_to_act else []
        )
        self.offer_patterns = normalized_patterns(
            genres.offer_call.regex if genres.offer_call else []
        )
        self._cues = {
            f"{genre}.{cue.name}": (genre, cue)
            for genre, spec in genres.genres.items()
            for cue in spec.cues
        }
        self._before = {
            n: [norm(t) for t in s.before if norm(t)] for n, s in stances.stances.items()
        }
        self._after = {n: [norm(t) for t in s.after if norm(t)] for n, s in stances.stances.items()}
        self._breaks = [norm(t) for t in stances.breaks if norm(t)]
        self._negation = Negation.of_stances(stances, norm)
        # the phrases that cancel a stance's cue they cover ("不建议" is no recommendation)
        self._unless = {
            n: [norm(t) for t in s.unless if norm(t)] for n, s in stances.stances.items()
        }
        # stance cue term -> (stance or "break", "before" / "after")
        self._stance_terms: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for name, terms in self._before.items():
            for term in terms:
                self._stance_terms[term].append((name, "before"))
        for name, terms in self._after.items():
            for term in terms:
                self._stance_terms[term].append((name, "after"))
        for term in self._breaks:
            self._stance_terms[term].append(("break", "before"))
        for name, st in stances.stances.items():
            for term in st.unless:
                self._stance_terms[norm(term)].append((name, "unless"))
        # another party as a call's subject (genres.yaml others_calls): read like a stance cue
        for term in genres.others_calls.others if genres.others_calls else ():
            self._stance_terms[norm(term)].append((_OTHERS, "before"))
        self._stance_terms.pop("", None)
        self._foreign_terms = frozenset(
            t for t, at in self._stance_terms.items() if any(n in _FOREIGN for n, _ in at)
        )
        #: the denials read before what they deny, and the breaks (reading._refusal_beside)
        self.refusal_terms = frozenset(
            t for t, at in self._stance_terms.items() if ("denied", "before") in at
        )
        self.break_terms = frozenset(
            t for t, at in self._stance_terms.items() if ("break", "before") in at
        )
        #: the phrases a refusal inside them does not refuse ("只签字不做案子" sells)
        self.refusal_unless = frozenset(self._unless.get("denied", ()))

    def terms(self) -> set[str]:
        """Every normalized term the cues use, for the rule engine's one scan of a page."""
        return set(self._terms) | set(self._stance_terms)

    def gate_terms(self) -> set[str]:
        """The strings the cue regexes require, for the same scan (``regex_literals.gate_open``)."""
        return gate_terms(self._regexes, self._signal_res, self.offer_patterns)

    def marks(self, text: str, occ: Mapping[str, list[int]]) -> Marks:
        """The stance cues of one page, sorted by position, and its sentence ends."""
        stance_terms = self._stance_terms
        found = sorted(
            (p, p + len(term), term) for term, at in occ.items() if term in stance_terms for p in at
        )
        return Marks([f[0] for f in found], found, sentence_ends(text))

    # -- the page ------------------------------------------------------------------

    def read_page(
        self,
        norm: Normalized,
        index: BlockIndex,
        contact_offsets: list[int],
        occ: Mapping[str, list[int]],
        hits: bool = True,
        offers: bool = True,
        marks: Marks | None = None,
        gates: set[str] | None = None,
    ) -> tuple[PageReading, dict[int, set[str]]]:
        """The page's genre and, per block, its ``block`` cues and signals (``offers``: offer calls;
        with ``marks``, only the speaker's calls: ``own_call``; ``gates``: see ``gate_terms``)."""
        found: dict[str, set[str]] = defaultdict(set)  # cue -> distinct terms
        per_block: dict[int, set[str]] = defaultdict(set)
        signal_blocks: set[int] = set()
        title_blocks = {i for i, b in enumerate(index.blocks) if b.kind == "title"}
        # a post's own cues matter (a buyer's question in a thread); on other pages only the
        # page's totals do, so most cue occurrences need no block
        posts = any(b.kind == "post" for b in index.blocks)
        positions = {t: p for t, p in occ.items() if t in self._terms}
        quotes = has_quotes(norm.original)
        # only a page with a refusal, retelling, report or other party has others' calls
        foreign = sentences_with(marks, self._foreign_terms) if marks else frozenset()
        owners = marks if foreign else None

        def blocks_of(term: str) -> set[int]:
            return {index.at(norm.original_span(p, p + len(term))[0]) for p in positions[term]}

        def call_blocks(at: list[tuple[int, int]]) -> set[int]:
            # a call in quotation marks is a mention (a button's label, a scammer's line)
            return {
                index.at(norm.original_span(p, p + 1)[0])
                for p, q in at
                if (owners is None or self.own_call(owners, p, q, len(norm.text), foreign=foreign))
                and not (quotes and quoted_span(norm, p, q))
            }

        for term in positions:
            where: set[int] | None = None
            for kind, name in self._terms[term]:
                if kind == "cue":
                    genre, cue = self._cues[name]
                    if genre in SELLERS and not self._sells(
                        norm, owners, foreign, quotes, term, occ
                    ):
                        continue
                    if cue.title or posts:
                        where = blocks_of(term) if where is None else where
                        if cue.title and not where & title_blocks:
                            continue
                        for block in where:
                            per_block[block].add("cue:" + name)
                    found[name].add(term)
                elif kind == "signal":
                    signal_blocks |= call_blocks([(p, p + len(term)) for p in positions[term]])
                else:
                    at = uncovered(occ, term, self._unless.get(name, []))
                    for block in {index.at(norm.original_span(p, p + len(term))[0]) for p in at}:
                        per_block[block].add(name)
        present = [t for t in occ if t in self._foreign_terms] if owners and contact_offsets else []
        signal_blocks |= {
            index.at(o) for o in contact_offsets if self._own_contact(norm, o, present)
        }
        offer_blocks: set[int] = set()
        if hits:
            calls = self.call_to_act(norm.text, None, gates)
            for _, matched in calls:
                found["seller_offer.call_to_act"].add("re:" + matched)
            signal_blocks |= call_blocks([(p, p + len(m)) for p, m in calls])
            if offers:
                offered = self.call_to_act(norm.text, self.offer_patterns, gates)
                offer_blocks = call_blocks([(p, p + len(m)) for p, m in offered])
            signal_blocks |= offer_blocks
        self._match_genre_patterns(norm, index, title_blocks, hits, found, gates)
        if contact_offsets:
            found["seller_offer.call_to_act"].add("contact-entity")
        reading = self._scored(found, quotes)
        reading.signal_blocks, reading.offer_blocks = signal_blocks, offer_blocks
        return reading, per_block

    def _scored(self, found: Mapping[str, set[str]], quotes: bool = False) -> PageReading:
        """The genre that the cues ``found`` (cue -> distinct terms) score highest, if it reaches
        ``min_score``, with the scores and without the chrome cues (``selling``)."""
        scores: dict[str, float] = defaultdict(float)
        selling: dict[str, float] = defaultdict(float)
        evidence: list[str] = []
        for name, distinct in found.items():
            genre, cue = self._cues[name]
            scores[genre] += cue.weight * min(len(distinct), cue.cap)
            if not cue.chrome:
                selling[genre] += cue.weight * min(len(distinct), cue.cap)
            evidence.append(f"{name}: {', '.join(sorted(distinct)[:4])}")
        order = list(self.genres.genres)
        best = max(order, key=lambda g: (scores.get(g, 0.0), -order.index(g)))
        genre = best if scores.get(best, 0.0) >= self.genres.min_score else OTHER
        return PageReading(
            genre=genre,
            genre_scores={g: round(s, 2) for g, s in scores.items()},
            genre_evidence=sorted(evidence),
            selling=dict(selling),
            quotes=quotes,
        )

    def _match_genre_patterns(
        self,
        norm: Normalized,
        index: BlockIndex,
        title_blocks: set[int],
        hits: bool,
        found: dict[str, set[str]],
        present: set[str] | None = None,
    ) -> None:
        """Add what the genre regexes match (in the title alone, or the whole page) to ``found``."""
        simplified = self._normalizer.simplified
        match_genre_patterns(
            self._regexes, simplified, norm, index, title_blocks, hits, found, present
        )

    def call_to_act(
        self, text: str, patterns: list[Needled] | None = None, present: set[str] | None = None
    ) -> list[tuple[int, str]]:
        """(start, matched) of each structural call to act in normalized ``text`` (or of each
        match of ``patterns``: the offer calls).  ``present``: ``read_page``'s ``gates``."""
        return find_calls(self._signal_res if patterns is None else patterns, text, present)

    def own_call(
        self,
        marks: Marks,
        start: int,
        end: int,
        length: int,
        condemned: bool = False,
        foreign: frozenset[int] | None = None,
    ) -> bool:
        """Whether the call to act at normalized ``[start, end)`` is the speaker's: no denied,
        hearsay or reported cue, nor another party (genres.yaml ``others_calls``), before it in
        its sentence ("切勿私信…", "有人加我", "对方报价二十万").  For a seller's word
        (``condemned``) another party does not count ("对方报价" is still a price) but a
        condemnation after it does ("…形成灰色利益链").  ``foreign``: the sentences holding
        such cues (``sentences_with``); a span outside them is the speaker's."""
        if foreign is not None and not touches(marks, start, end, foreign):
            return True
        s, e = sentence_span(marks, start, end, length)
        seen, _ = sentence_cues(marks, self._stance_terms, s, e, start, end)
        if condemned:
            return not any(key in seen for key in _NOT_OWN_WORD)
        return not any(key in seen for key in _NOT_OWN)

    def _own_contact(self, norm: Normalized, offset: int, foreign: list[str]) -> bool:
        """Whether the contact at original ``offset`` is the speaker's: its original sentence holds
        none of the page's ``foreign`` cues ("一个138…的号码打给我，说是代理机构"); not normalized
        again, so a traditional page's contact counts, as every contact did before."""
        if not foreign:
            return True
        text = norm.original
        start = max(text.rfind(ch, 0, offset) for ch in "。！？!?\n") + 1
        ends = [i for i in (text.find(ch, offset) for ch in "。！？!?\n") if i >= 0]
        sentence = text[start : min(ends, default=len(text))]
        return not any(term in sentence for term in foreign)

    def _sells(
        self,
        norm: Normalized,
        marks: Marks | None,
        foreign: frozenset[int],
        quotes: bool,
        term: str,
        occ: Mapping[str, list[int]],
    ) -> bool:
        """Whether a seller's word sells: not only quoted (“代写机构”) nor, with ``marks``, only in
        sentences that report or condemn it ("…从内容代写…形成灰色利益链": an exposé), nor only
        inside the writer's "we" with the reader (offered ``unless``: "我们可以看到")."""
        at = uncovered(occ, term, self._unless["offered"])
        if not at or (quotes and all_quoted(norm, term, at)):
            return False
        n = len(norm.text)
        return marks is None or any(
            self.own_call(marks, p, p + len(term), n, condemned=True, foreign=foreign) for p in at
        )

    # -- one hit ----------------------------------------------------------------------

    def stance(
        self,
        norm: Normalized,
        marks: Marks,
        n_start: int,
        n_end: int,
        o_start: int,
        o_end: int,
        voice: str,
        explainer: bool,
        block_cues: set[str],
        block_end: int | None = None,
        answers: bool = False,
    ) -> tuple[str, str]:
        """(stance, the cue that decided it) for the hit at normalized ``[n_start, n_end)``.

        ``block_end`` (an offset into the original) lets an article's question that its own
        paragraph goes on to answer ("为什么要选择转让专利？因为…") count as the writer's
        heading, not as asking: such a hit takes the stance of the answer's paragraph.
        ``answers`` (a page's own blocks, not a thread's posts): a question whose answer, the
        next sentences, denies or reports it ("能包授权吗？不能，任何机构都无法保证") takes
        that stance, as a heading takes its answer's."""
        text = norm.text
        s, e = sentence_span(marks, n_start, n_end, len(text))
        ender = text[e] if e < len(text) else ""
        seen, offer_at = sentence_cues(marks, self._stance_terms, s, e, n_start, n_end)
        self._negation.add_cues(seen, norm, s, n_start, n_end, o_start)
        question = text.find(_QUESTION_END, s, e + 1)
        if answers and ender == _QUESTION_END:
            answered = answer_stance(marks, e, self._stance_terms)
            if answered is not None:
                return answered
        # a why-question presupposes what it asks about ("为什么我们敢包授权" claims it)
        rhetorical = _WHY.search(text, s, n_start) is not None or (
            explainer and question_answered(norm, e if question < 0 else question, block_end)
        )
        for name in ("asked", "denied", "hearsay", "reported", "offered"):
            if name == "asked" and rhetorical:
                continue
            if (name, "before") in seen:
                if name == "offered" and quoted_claim(norm, voice, o_start, o_end, offer_at):
                    return "reported", f"quoted: {seen[name, 'before']}…"
                return name, f"{seen[name, 'before']}…"
            if (name, "after") in seen:
                return name, f"…{seen[name, 'after']}"
            if name == "asked" and ender == _QUESTION_END:
                return name, "？"
        if voice != "offered" and in_quotes(norm.original, o_start, o_end):
            return "reported", "quoted"
        if explainer and "offered" in block_cues:
            return "offered", "first-person offer in the block"
        if explainer and "promoted" in block_cues:
            return "promoted", "recommends the practice"
        return voice, f"voice of the block ({voice})"

    def block_cues(self, occ: Mapping[str, list[int]]) -> set[str]:
        """The ``block`` stance cues among the terms ``occ`` found, less those ``unless`` covers."""
        return {
            name
            for term in occ
            for kind, name in self._terms.get(term, ())
            if kind == "block" and uncovered(occ, term, self._unless.get(name, []))
        }


def load_discourse(rules_dir: Path, normalizer: Normalizer) -> Discourse | None:
    """The genre and stance cues of ``rules_dir``, or None when it has neither file (old rule sets)."""
    genres_path, stances_path = rules_dir / "genres.yaml", rules_dir / "stances.yaml"
    if not genres_path.exists() and not stances_path.exists():
        return None
    if not genres_path.exists() or not stances_path.exists():
        missing = genres_path if not genres_path.exists() else stances_path
        raise RulePackError(f"{missing}: missing (genres.yaml and stances.yaml go together)")
    genres, stances = load_model(genres_path, GenresFile), load_model(stances_path, StancesFile)
    return Discourse(genres, stances, normalizer, rules_dir)
