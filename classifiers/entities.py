"""Contacts and identities in a listing, and the keys that link actors across listings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from classifiers.regex_windows import finditer, windowed
from classifiers.verdict import Entity

# Patterns start with a literal where possible, so sre can skip ahead quickly; the
# keyword-led ones only run when their keyword occurs at all (see _GATES).
#
# No re.IGNORECASE on the hot patterns: with it (or with a leading class such as [vV]) sre
# finds no set of first characters and tries the whole alternation at every position of the
# page, ten times slower.  Each branch instead starts with a literal and spells out the case
# folding IGNORECASE did, including its non-ASCII equivalents (below), so the matches are
# the same.
_FOLDS = {"i": "iI\u0130\u0131", "s": "sS\u017f", "k": "kK\u212a"}
_LETTER = "A-Za-z" + "\u0130\u0131\u017f\u212a"  # [A-Za-z] under IGNORECASE


def _fold(ch: str) -> str:
    """The characters IGNORECASE equates with the ASCII letter ``ch``."""
    return _FOLDS.get(ch.lower(), ch.lower() + ch.upper())


def _caseless(word: str) -> str:
    """``word`` as IGNORECASE matches it, as branches that each start with a literal.  Order
    is kept: of two branches that can match at one place (微信号, 微信) sre takes the first."""
    rest = "".join(
        f"[{_fold(ch)}]" if ch.isascii() and ch.isalpha() else re.escape(ch) for ch in word[1:]
    )
    first = _fold(word[0]) if word[0].isascii() and word[0].isalpha() else word[0]
    return "|".join(re.escape(ch) + rest for ch in first)


def _branches(*words: str) -> str:
    return "(?:" + "|".join(_caseless(word) for word in words) + ")"


_PHONE: Final = re.compile(r"1([3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_EMAIL: Final = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL: Final = re.compile(
    "(?:" + _branches("http://", "https://", "www.") + ")" + r"[^\s<>\"'，。、；：）)】」》]+"
)
_QQ: Final = re.compile(
    "(?:"
    + _branches("qq", "扣扣", "企鹅号", "企鹅", "q号")
    + r")[^\d\n]{0,5}?([1-9]\d{4,10})(?!\d)"
)
_WECHAT: Final = re.compile(
    _branches(
        "微信号", "微信", "威信", "薇信", "v信", "vx", "wx", "weixin", "wechat", "加v", "➕v", "+v"
    )
    + r"[\s:：号是为]{0,4}"
    + f"([{_LETTER}][-_{_LETTER}0-9]{{5,19}}|1[3-9]\\d{{9}})(?![\\w-])"
)
_WECHAT_SAME_AS_PHONE: Final = re.compile(r"微信同号|同微信|微信同步")
_AGENCY_CODE: Final = re.compile(r"(?:机构代码|代理机构代码|机构编号)[\s:：为是]{0,3}(\d{5})(?!\d)")
_AGENT_LICENCE: Final = re.compile(
    r"(?:资格证号|执业证号|资格证书号|执业证书号|证书编号)[\s:：为是]{0,3}([A-Za-z0-9]{6,20})"
)
_COMPANY_SUFFIX: Final = re.compile(
    r"(?:股份有限公司|有限责任公司|有限公司|事务所|工作室|代理机构)"
)
#: what a company name before its suffix is made of: Chinese characters and brackets, up to
#: one of the words that stop it
_NAME_HAN: Final = (0x4E00, 0x9FFF)
_NAME_BRACKETS: Final = "（）()"
_NAME_STOP: Final = "的是在为与和及从由向对找选请本我你他贵该此一家"


def _name_chars() -> bytes:
    """1 for each character a company name runs back over, by code: ``_companies`` reads
    ``ord(text[i])`` in place, where matching a class against each character built a
    one-character string and ran sre on it."""
    first, last = _NAME_HAN
    table = bytearray(0x10000)
    table[first : last + 1] = b"\x01" * (last + 1 - first)
    for ch in _NAME_BRACKETS:
        table[ord(ch)] = 1
    for ch in _NAME_STOP:
        table[ord(ch)] = 0
    return bytes(table)


_NAME_CHARS: Final = _name_chars()

#: the patterns tried only next to the characters they start with (``regex_windows``): most
#: pages hold no Latin letter of a URL or WeChat id, and few "扣", "企", "股" or "有"
_WINDOWED: Final = {
    p: w
    for p in (_EMAIL, _URL, _QQ, _WECHAT, _AGENCY_CODE, _AGENT_LICENCE, _COMPANY_SUFFIX)
    if (w := windowed(p)) is not None
}

CONTACT_KINDS = frozenset({"phone", "wechat", "qq", "email", "agency_code", "agent_licence"})


# Full-width letters, digits and the symbols of ids and addresses; not the full-width
# Chinese punctuation (，！？), which is everywhere and never part of a contact.
_FULL_WIDTH: Final = re.compile(
    "[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff20\uff0e\uff3f\uff0d\uff0b\uff0f\u3000]"
)
_GATES: Final[dict[str, tuple[str, ...]]] = {
    "qq": ("qq", "QQ", "Qq", "qQ", "扣扣", "企鹅", "q号", "Q号"),
    "wechat": ("微信", "威信", "薇信", "v信", "V信", "vx", "VX", "Vx", "vX", "wx", "WX", "Wx", "wX",
               "weixin", "Weixin", "WEIXIN", "wechat", "WeChat", "Wechat", "WECHAT", "加v", "加V", "➕", "+v", "+V"),
    "agency_code": ("机构代码", "机构编号"),
    "agent_licence": ("证号", "证书编号"),
    "email": ("@",),
    "url": ("http", "HTTP", "Http", "www.", "WWW.", "Www."),
    "company": ("公司", "事务所", "工作室", "代理机构"),
}  # fmt: skip


def _matches(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """``list(pattern.finditer(text))``, windowed where the pattern can be."""
    w = _WINDOWED.get(pattern)
    return finditer(w, text) if w is not None else list(pattern.finditer(text))


def _gate(text: str, kind: str) -> bool:
    return any(key in text for key in _GATES[kind])


def _fold_width(text: str) -> str:
    """Full-width ASCII to ASCII, one character for one, so offsets are unchanged."""
    if not _FULL_WIDTH.search(text):
        return text
    return _FULL_WIDTH.sub(
        lambda m: " " if m.group() == "\u3000" else chr(ord(m.group()) - 0xFEE0), text
    )


def extract_entities(text: str) -> list[Entity]:
    """Every entity in ``text``, ordered by position; offsets index ``text``.

    Full-width forms ("ＶＸ：ｚｌ８８") are folded first, character for character,
    so offsets still index the original.
    """
    text = _fold_width(text)
    found: list[Entity] = []
    phones: list[Entity] = []
    for m in _PHONE.finditer(text):
        if m.start() > 0 and text[m.start() - 1].isdigit():
            continue
        ent = Entity("phone", "1" + "".join(m.groups()), m.start(), m.end())
        phones.append(ent)
        found.append(ent)
    if _gate(text, "email"):
        found += [
            Entity("email", m.group().lower(), m.start(), m.end()) for m in _matches(_EMAIL, text)
        ]
    # the regex first: cheaper than the gate's many substring searches, and mostly empty
    urls = _matches(_URL, text)
    if urls and _gate(text, "url"):
        for m in urls:
            url = m.group().rstrip(".,;:!?")
            value = url.lower()
            if value.startswith("www."):
                value = "http://" + value
            found.append(Entity("url", value, m.start(), m.start() + len(url)))
    qqs = _matches(_QQ, text)
    if qqs and _gate(text, "qq"):
        found += [Entity("qq", m.group(1), m.start(1), m.end(1)) for m in qqs]
    wechats = _matches(_WECHAT, text)
    if (wechats or phones) and _gate(text, "wechat"):
        found += [Entity("wechat", m.group(1).lower(), m.start(1), m.end(1)) for m in wechats]
        if phones and _WECHAT_SAME_AS_PHONE.search(text):
            found += [Entity("wechat", p.value, p.start, p.end) for p in phones]
    if _gate(text, "agency_code"):
        found += [
            Entity("agency_code", m.group(1), m.start(1), m.end(1))
            for m in _matches(_AGENCY_CODE, text)
        ]
    if _gate(text, "agent_licence"):
        found += [
            Entity("agent_licence", m.group(1).upper(), m.start(1), m.end(1))
            for m in _matches(_AGENT_LICENCE, text)
        ]
    if _gate(text, "company"):
        found += _companies(text)
    unique = {(e.kind, e.value, e.start): e for e in found}
    return sorted(unique.values(), key=lambda e: (e.start, e.kind))


def _companies(text: str) -> list[Entity]:
    out: list[Entity] = []
    for m in _matches(_COMPANY_SUFFIX, text):
        start = m.start()
        while start > 0 and m.start() - start < 24:
            code = ord(text[start - 1])
            if code >= 0x10000 or not _NAME_CHARS[code]:
                break  # not a character of the name, or one that stops it (_NAME_STOP)
            start -= 1
        if m.start() - start >= 2:
            out.append(Entity("company", text[start : m.end()], start, m.end()))
    return out


def contact_keys(entities: Iterable[Entity]) -> set[tuple[str, str]]:
    """Keys that identify who is behind a listing; two listings sharing a key share an actor.

    A WeChat id that is a phone number is also a phone, so "微信同号" links to a
    listing that gives only the number.  URLs and company names are left out:
    platform hosts are shared by everyone, and names are too easily copied.
    """
    keys: set[tuple[str, str]] = set()
    for ent in entities:
        if ent.kind not in CONTACT_KINDS:
            continue
        keys.add((ent.kind, ent.value))
        if ent.kind == "wechat" and ent.value.isdigit() and len(ent.value) == 11:
            keys.add(("phone", ent.value))
    return keys
