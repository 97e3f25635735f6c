"""Contacts and identities in a listing, and the keys that link actors across listings."""

from __future__ import annotations

import re
from collections.abc import Iterable

from classifiers.verdict import Entity

_PHONE = re.compile(r"(?<![\d])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
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


def extract_entities(text: str) -> list[Entity]:
    """Every entity in ``text``, ordered by position; offsets index ``text``."""
    found: list[Entity] = []
    phones: list[Entity] = []
    for m in _PHONE.finditer(text):
        ent = Entity("phone", "".join(m.groups()), m.start(), m.end())
        phones.append(ent)
        found.append(ent)
    found += [Entity("email", m.group().lower(), m.start(), m.end()) for m in _EMAIL.finditer(text)]
    for m in _URL.finditer(text):
        url = m.group().rstrip(".,;:!?")
        value = url.lower()
        if value.startswith("www."):
            value = "http://" + value
        found.append(Entity("url", value, m.start(), m.start() + len(url)))
    found += [Entity("qq", m.group(1), m.start(1), m.end(1)) for m in _QQ.finditer(text)]
    for m in _WECHAT.finditer(text):
        found.append(Entity("wechat", m.group(1).lower(), m.start(1), m.end(1)))
    if phones and _WECHAT_SAME_AS_PHONE.search(text):
        found += [Entity("wechat", p.value, p.start, p.end) for p in phones]
    found += [Entity("agency_code", m.group(1), m.start(1), m.end(1)) for m in _AGENCY_CODE.finditer(text)]
    found += [
        Entity("agent_licence", m.group(1).upper(), m.start(1), m.end(1))
        for m in _AGENT_LICENCE.finditer(text)
    ]
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
