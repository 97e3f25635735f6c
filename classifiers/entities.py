"""Contacts and identities in a listing, and the keys that link actors across listings."""

from __future__ import annotations

import re
from collections.abc import Iterable

from classifiers.verdict import Entity

# Patterns start with a literal where possible, so sre can skip ahead quickly; the
# keyword-led ones only run when their keyword occurs at all (see _GATES).
_PHONE = re.compile(r"1([3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。、；：）)】」》]+", re.IGNORECASE)
_QQ = re.compile(r"(?:qq|扣扣|企鹅号?|q号)[^\d\n]{0,5}?([1-9]\d{4,10})(?!\d)", re.IGNORECASE)
_WECHAT = re.compile(
    r"(?:微信号?|威信|薇信|[vV]信|vx|wx|weixin|wechat|加[vV]|➕[vV]|\+[vV])"
    r"[\s:：号是为]{0,4}([A-Za-z][-_A-Za-z0-9]{5,19}|1[3-9]\d{9})(?![\w-])",
    re.IGNORECASE,
)
_WECHAT_SAME_AS_PHONE = re.compile(r"微信同号|同微信|微信同步")
_AGENCY_CODE = re.compile(r"(?:机构代码|代理机构代码|机构编号)[\s:：为是]{0,3}(\d{5})(?!\d)")
_AGENT_LICENCE = re.compile(
    r"(?:资格证号|执业证号|资格证书号|执业证书号|证书编号)[\s:：为是]{0,3}([A-Za-z0-9]{6,20})"
)
_COMPANY_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|事务所|工作室|代理机构)")
_CJK = re.compile(r"[\u4e00-\u9fff（）()]")
_NAME_STOP = set("的是在为与和及从由向对找选请本我你他贵该此一家")

CONTACT_KINDS = frozenset({"phone", "wechat", "qq", "email", "agency_code", "agent_licence"})


# Full-width letters, digits and the symbols of ids and addresses; not the full-width
# Chinese punctuation (，！？), which is everywhere and never part of a contact.
_FULL_WIDTH = re.compile(
    "[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff20\uff0e\uff3f\uff0d\uff0b\uff0f\u3000]"
)
_GATES: dict[str, tuple[str, ...]] = {
    "qq": ("qq", "QQ", "Qq", "qQ", "扣扣", "企鹅", "q号", "Q号"),
    "wechat": ("微信", "威信", "薇信", "v信", "V信", "vx", "VX", "Vx", "vX", "wx", "WX", "Wx", "wX",
               "weixin", "Weixin", "WEIXIN", "wechat", "WeChat", "Wechat", "WECHAT", "加v", "加V", "➕", "+v", "+V"),
    "agency_code": ("机构代码", "机构编号"),
    "agent_licence": ("证号", "证书编号"),
    "email": ("@",),
    "url": ("http", "HTTP", "Http", "www.", "WWW.", "Www."),
    "company": ("公司", "事务所", "工作室", "代理机构"),
}  # fmt: skip


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
            Entity("email", m.group().lower(), m.start(), m.end()) for m in _EMAIL.finditer(text)
        ]
    if _gate(text, "url"):
        for m in _URL.finditer(text):
            url = m.group().rstrip(".,;:!?")
            value = url.lower()
            if value.startswith("www."):
                value = "http://" + value
            found.append(Entity("url", value, m.start(), m.start() + len(url)))
    if _gate(text, "qq"):
        found += [Entity("qq", m.group(1), m.start(1), m.end(1)) for m in _QQ.finditer(text)]
    if _gate(text, "wechat"):
        found += [
            Entity("wechat", m.group(1).lower(), m.start(1), m.end(1))
            for m in _WECHAT.finditer(text)
        ]
        if phones and _WECHAT_SAME_AS_PHONE.search(text):
            found += [Entity("wechat", p.value, p.start, p.end) for p in phones]
    if _gate(text, "agency_code"):
        found += [
            Entity("agency_code", m.group(1), m.start(1), m.end(1))
            for m in _AGENCY_CODE.finditer(text)
        ]
    if _gate(text, "agent_licence"):
        found += [
            Entity("agent_licence", m.group(1).upper(), m.start(1), m.end(1))
            for m in _AGENT_LICENCE.finditer(text)
        ]
    if _gate(text, "company"):
        found += _companies(text)
    unique = {(e.kind, e.value, e.start): e for e in found}
    return sorted(unique.values(), key=lambda e: (e.start, e.kind))


def _companies(text: str) -> list[Entity]:
    out: list[Entity] = []
    for m in _COMPANY_SUFFIX.finditer(text):
        start = m.start()
        while start > 0 and m.start() - start < 24 and _CJK.match(text[start - 1]):
            if text[start - 1] in _NAME_STOP:
                break
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
