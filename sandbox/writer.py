"""Composes titles and bodies from :mod:`sandbox.vocab`, deterministically from an RNG."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from sandbox import vocab
from sandbox.disguise import disguise, pick_techniques, traditional
from sandbox.model import Text

_SLOT = re.compile(r"\{(\w+)\}")


class UnknownSlotError(KeyError):
    """A template names a slot the writer cannot fill."""


class Writer:
    """Fills templates; every random choice comes from the one ``rng``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        #: when set, every {city} is this (page-per-city templates swap it later)
        self.fixed_city: str | None = None
        self._slots: dict[str, Callable[[], str]] = {
            "city": lambda: self.fixed_city or self.rng.choice(vocab.CITIES),
            "province": lambda: self.rng.choice(vocab.PROVINCES),
            "company": self.grey_company,
            "agency": self.agency,
            "contact": self.contact,
            "wx": self.wx,
            "qq": lambda: str(self.rng.randint(10_000_000, 3_999_999_999)),
            "phone": self.phone,
            "price": lambda: str(
                self.rng.choice(
                    [98, 199, 299, 399, 498, 599, 800, 980, 1200, 1500, 2800, 3500, 4800, 6800]
                )
            ),
            "n": lambda: str(
                self.rng.choice([2, 3, 5, 6, 8, 10, 12, 15, 20, 30, 50, 100, 200, 500, 1000, 3000])
            ),
            "year": lambda: str(self.rng.choice([2023, 2024, 2025])),
            "wan": lambda: str(self.rng.choice([1, 2, 3, 4, 5, 6, 8])),
            "years": lambda: str(self.rng.choice([3, 5, 6, 8, 10, 12, 15])),
            "months": lambda: str(self.rng.choice([2, 3, 4, 6, 8])),
            "fold": lambda: str(self.rng.choice([3, 5, 10, 20])),
            "klass": lambda: str(self.rng.randint(1, 45)),
            "serial": lambda: f"{self.rng.randint(0, 9999):04d}",
            "field": lambda: self.rng.choice(vocab.FIELDS),
            "brand": lambda: self.rng.choice(vocab.BRAND_NAMES),
            "product": lambda: self.rng.choice(vocab.PRODUCTS),
            "person": self.person,
            "days": lambda: str(self.rng.choice([7, 15, 20, 30, 45, 60, 90])),
            "pct": lambda: self.rng.choice(["98", "99.2", "96.8", "100", "97.5", "99"]),
            "code": lambda: str(self.rng.randint(11000, 53999)),
            "patno": self.patent_number,
            "hot": lambda: self.rng.choice(vocab.HOT_WORDS),
        }

    # --- slots ---
    def fill(self, template: str) -> str:
        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self._slots:
                raise UnknownSlotError(f"template {template!r} uses unknown slot {{{name}}}")
            return self._slots[name]()

        return _SLOT.sub(sub, template)

    def pick(self, options: list[str]) -> str:
        return self.fill(self.rng.choice(options))

    def picks(self, options: list[str], k: int) -> list[str]:
        return [self.fill(t) for t in self.rng.sample(options, min(k, len(options)))]

    def person(self) -> str:
        return self.rng.choice(vocab.SURNAMES) + self.rng.choice(vocab.GIVEN)

    def nickname(self) -> str:
        return self.rng.choice(vocab.NICK_PARTS_A) + self.rng.choice(vocab.NICK_PARTS_B)

    def wx(self) -> str:
        return self.rng.choice(vocab.WX_PREFIXES) + str(self.rng.randint(100, 99999))

    def phone(self) -> str:
        return self.rng.choice(
            ["138", "139", "150", "151", "186", "187", "177", "133", "199"]
        ) + "".join(str(self.rng.randint(0, 9)) for _ in range(8))

    def patent_number(self) -> str:
        year = self.rng.choice([2019, 2020, 2021, 2022, 2023])
        kind = self.rng.choice(["2", "3", "1"])
        serial = self.rng.randint(1_000_000, 9_999_999)
        return f"ZL{year}{kind}{serial:07d}.{self.rng.randint(0, 9)}"

    def agency(self) -> str:
        return (
            self.rng.choice(vocab.CITIES)
            + self.rng.choice(vocab.BRAND_WORDS)
            + self.rng.choice(vocab.AGENCY_SUFFIXES)
        )

    def grey_company(self) -> str:
        return (
            self.rng.choice(vocab.CITIES)
            + self.rng.choice(vocab.BRAND_WORDS)
            + self.rng.choice(vocab.GREY_SUFFIXES)
        )

    def contact(self) -> str:
        return self.pick(vocab.CONTACT_CALLS)

    # --- texts ---
    def ad(self, categories: list[str], disguise_level: int) -> Text:
        """An outright ad: title and claims from the first category, one claim from each other."""
        primary = categories[0]
        bank = vocab.CATEGORY_BANKS[primary]
        title = self.pick(bank["titles"])
        paras: list[str] = []
        if self.rng.random() < 0.6:
            paras.append(self.pick(vocab.AD_OPENERS))
        claims = self.picks(bank["claims"], self.rng.randint(2, 4))
        for extra in categories[1:]:
            claims.insert(
                self.rng.randint(0, len(claims)), self.pick(vocab.CATEGORY_BANKS[extra]["claims"])
            )
        paras.append("".join(claims))
        if self.rng.random() < 0.7:
            paras.append("".join(self.picks(vocab.SERVICE_LINES, self.rng.randint(1, 3))))
        paras.append(self.contact() + ("。" if self.rng.random() < 0.5 else ""))
        return self._finish(Text(title, paras, list(categories), genre="ad"), disguise_level)

    def claim_line(
        self, categories: list[str], disguise_level: int, lead: list[str] | None = None
    ) -> Text:
        """A short pitch (banner, reply, shop blurb): one or two claims per category and a contact."""
        claims: list[str] = []
        for i, cat in enumerate(categories):
            claims += self.picks(
                vocab.CATEGORY_BANKS[cat]["claims"], 2 if i == 0 and self.rng.random() < 0.5 else 1
            )
        opening = self.pick(lead) if lead else ""
        line = opening + "".join(claims) + self.contact()
        return self._finish(Text("", [line], list(categories), genre="ad"), disguise_level)

    def seo_article(self, category: str, disguise_level: int) -> Text:
        """A soft sell: a Q&A that presents the practice as normal and ends with a call to contact."""
        bank = vocab.CATEGORY_BANKS[category]
        title = self.pick(bank["seo_questions"])
        long = self.rng.random() < 0.15
        pool = bank["seo_paragraphs"]
        paras = self.picks(pool, len(pool) if long else self.rng.randint(3, 5))
        if long:
            paras[1:1] = self.picks(vocab.GUIDE_PARAGRAPHS, 4)
            for aside in self.picks(vocab.LONG_ASIDES, 3):
                paras.insert(len(paras) // 2, aside)
        elif self.rng.random() < 0.4:
            paras.insert(0, self.pick(vocab.GUIDE_PARAGRAPHS))
        paras.append(
            self.pick(vocab.SOFT_CTAS) + (self.contact() if self.rng.random() < 0.5 else "")
        )
        return self._finish(Text(title, paras, [category], genre="seo_qa"), disguise_level)

    def negative(self, genre: str) -> Text:
        """A legitimate or neutral page: one topic, its paragraphs in their natural order."""
        titles, pool = self.rng.choice(vocab.NEGATIVE_TOPICS[genre])
        title = self.pick(titles)
        k = self.rng.randint(min(2, len(pool)), min(5, len(pool)))
        chosen = sorted(self.rng.sample(range(len(pool)), k))
        paras = [self.fill(pool[i]) for i in chosen]
        text = Text(title, paras, [], genre=genre)
        text.search_terms = text.title + " " + text.body
        return text

    def replies(self, pools: list[list[str]], weights: list[int], count: int) -> list[str]:
        """``count`` replies drawn from weighted pools, without repeating one within a thread."""
        decks = [self.rng.sample(pool, len(pool)) for pool in pools]
        out: list[str] = []
        for _ in range(count):
            live = [i for i, deck in enumerate(decks) if deck]
            if not live:
                decks = [self.rng.sample(pool, len(pool)) for pool in pools]
                live = list(range(len(decks)))
            i = self.rng.choices(live, [weights[j] for j in live])[0]
            out.append(self.fill(decks[i].pop()))
        return out

    def _finish(self, text: Text, level: int) -> Text:
        text.search_terms = text.title + " " + text.body
        names = pick_techniques(self.rng, level)
        if not names:
            return text
        paras = []
        applied: set[str] = set()
        for para in text.paragraphs:
            new, used = disguise(para, names, self.rng)
            paras.append(new)
            applied.update(used)
        text.paragraphs = paras
        if self.rng.random() < 0.5:
            text.title, used = disguise(text.title, names, self.rng)
            applied.update(used)
        text.disguises = sorted(applied)
        return text

    def to_traditional(self, text: Text) -> Text:
        text.title = traditional(text.title)
        text.paragraphs = [traditional(p) for p in text.paragraphs]
        if "traditional" not in text.disguises and text.irregular:
            text.disguises = sorted([*text.disguises, "traditional"])
        return text
