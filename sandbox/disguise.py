"""How ads hide from platform keyword filters: separators, homophones, pinyin, ...

Each technique is a function ``(text, rng) -> text``; :func:`disguise` applies a
few of them and reports which ones changed the text, so the truth can say how a
page was disguised.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import lru_cache

KEYWORDS = [
    "专利",
    "授权",
    "下证",
    "挂证",
    "挂靠",
    "包过",
    "微信",
    "发明人",
    "职称",
    "商标",
    "注册",
    "代理",
    "退款",
    "内部",
    "渠道",
    "撤三",
    "抢注",
    "证书",
    "资质",
    "不成功",
    "全额",
    "包授权",
    "正规",
]
SEPARATORS = [" ", "丨", "|", "·", "*", "-", "/", "_", "︱"]
HOMOPHONES: dict[str, list[str]] = {
    "专利": ["砖利", "专例", "耑利", "专俐"],
    "授权": ["受权", "授劝", "兽权"],
    "微信": ["薇信", "威信", "V信", "嶶信", "➕V", "VX", "wx", "微芯"],
    "下证": ["下正", "下政"],
    "挂证": ["卦证", "挂正"],
    "包过": ["苞过", "保锅"],
    "发明人": ["发明仁", "发眀人"],
    "商标": ["商飚", "商摽"],
    "代理": ["代哩", "带理"],
    "退款": ["退钱", "腿款"],
    "内部": ["内布", "內部"],
    "渠道": ["渠到", "曲道"],
    "职称": ["职秤", "职撑"],
    "挂靠": ["卦靠", "挂kao"],
}
PINYIN: dict[str, list[str]] = {
    "专利": ["zl", "zhuanli", "ZL"],
    "包过": ["bao guo", "bg", "baoguo"],
    "微信": ["wx", "weixin", "vx"],
    "挂证": ["gz", "gua证"],
    "授权": ["sq", "shou权", "授quan"],
    "职称": ["zc", "zhi称"],
    "商标": ["sb", "shang标"],
    "下证": ["xia证", "xz"],
    "评职称": ["评zc", "ping职称"],
    "撤三": ["c3", "che三"],
}
LETTER_FOR_CHAR: dict[str, list[str]] = {
    "正规": ["z规", "正gui"],
    "专业": ["专ye", "zhuan业"],
    "发明": ["fa明", "发ming"],
    "代理": ["dai理", "代li"],
    "注册": ["zhu册", "注ce"],
    "全额": ["quan额", "全e"],
}
NUMBER_WORDS: dict[str, list[str]] = {
    "100%": ["百分百", "一百%", "百分之百", "💯"],
    "一年": ["1年", "壹年"],
    "全额退款": ["全额退kuan", "全额退💰"],
}


def _replace_some(text: str, table: dict[str, list[str]], rng: random.Random, share: float) -> str:
    for word in sorted(table, key=len, reverse=True):
        if word not in text:
            continue
        parts = text.split(word)
        out = [parts[0]]
        for part in parts[1:]:
            out.append(rng.choice(table[word]) if rng.random() < share else word)
            out.append(part)
        text = "".join(out)
    return text


def separators(text: str, rng: random.Random) -> str:
    sep = rng.choice(SEPARATORS)
    table = {w: [sep.join(w)] for w in KEYWORDS}
    return _replace_some(text, table, rng, 0.6)


def homophones(text: str, rng: random.Random) -> str:
    return _replace_some(text, HOMOPHONES, rng, 0.7)


def pinyin(text: str, rng: random.Random) -> str:
    return _replace_some(text, PINYIN, rng, 0.6)


def letter_for_char(text: str, rng: random.Random) -> str:
    return _replace_some(text, LETTER_FOR_CHAR, rng, 0.8)


def number_words(text: str, rng: random.Random) -> str:
    return _replace_some(text, NUMBER_WORDS, rng, 0.8)


def fullwidth(text: str, rng: random.Random) -> str:
    """ASCII letters and digits to their full-width forms (ＶＸ１３８...)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def emoji(text: str, rng: random.Random) -> str:
    from sandbox.vocab import EMOJI

    out = []
    for chunk in text.split("，"):
        if chunk and rng.random() < 0.35:
            chunk = rng.choice(EMOJI) + chunk
        out.append(chunk)
    return "，".join(out)


@lru_cache(maxsize=1)
def _s2t() -> Callable[[str], str]:
    from opencc import OpenCC

    return OpenCC("s2t").convert  # type: ignore[no-any-return]


def traditional(text: str, rng: random.Random | None = None) -> str:
    return _s2t()(text)


TECHNIQUES: dict[str, Callable[[str, random.Random], str]] = {
    "separators": separators,
    "homophones": homophones,
    "pinyin": pinyin,
    "letter_for_char": letter_for_char,
    "number_words": number_words,
    "fullwidth": fullwidth,
    "emoji": emoji,
    "traditional": traditional,
}
#: Everyday techniques; "traditional" is applied per page (copied/converted articles).
COMMON = [
    "separators",
    "homophones",
    "pinyin",
    "letter_for_char",
    "number_words",
    "fullwidth",
    "emoji",
]


def disguise(text: str, names: list[str], rng: random.Random) -> tuple[str, list[str]]:
    """Apply ``names`` in order; return the text and the techniques that changed it."""
    applied: list[str] = []
    for name in names:
        changed = TECHNIQUES[name](text, rng)
        if changed != text:
            applied.append(name)
            text = changed
    return text, applied


def pick_techniques(rng: random.Random, level: int) -> list[str]:
    """``level`` 0: none, 1: one technique, 2: two or three."""
    if level <= 0:
        return []
    k = 1 if level == 1 else rng.choice([2, 3])
    return rng.sample(COMMON, k)
