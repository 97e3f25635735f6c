from __future__ import annotations

from classifiers.entities import contact_keys, extract_entities


def test_contacts_and_identities_are_extracted_with_offsets() -> None:
    text = (
        "北京某某知识产权代理有限公司（机构代码11234），资格证号：1234567890，"
        "电话 138-0013-8000 微信同号，QQ：2839123345，邮箱 IP@Example.com，"
        "网址 https://ip.example.cn/a?b=1 ，V信：zl_agent01"
    )
    entities = extract_entities(text)
    found = {(e.kind, e.value) for e in entities}
    assert ("phone", "13800138000") in found
    assert ("wechat", "13800138000") in found
    assert ("qq", "2839123345") in found
    assert ("email", "ip@example.com") in found
    assert ("url", "https://ip.example.cn/a?b=1") in found
    assert ("wechat", "zl_agent01") in found
    assert ("agency_code", "11234") in found
    assert ("agent_licence", "1234567890") in found
    assert ("company", "北京某某知识产权代理有限公司") in found
    for e in entities:
        assert 0 <= e.start < e.end <= len(text)


def test_nothing_in_plain_text() -> None:
    assert extract_entities("今天天气很好，专利申请流程说明。") == []


def test_contact_keys_link_listings_sharing_a_contact() -> None:
    a = contact_keys(extract_entities("加微信同号13800138000"))
    b = contact_keys(extract_entities("联系电话：13800138000"))
    c = contact_keys(extract_entities("联系电话：13900000000"))
    assert a & b == {("phone", "13800138000")}
    assert not (a & c)
    assert contact_keys(extract_entities("网址 https://www.taobao.com/shop")) == set()


def test_contact_keywords_match_in_any_case_as_ignorecase_did() -> None:
    """The patterns spell out case folding (for speed, not re.IGNORECASE): every casing of a
    keyword still counts, and so do the non-ASCII letters IGNORECASE equated with ASCII ones."""
    text = "WeiXin：Abc12345 微信 QQ 号 qQ：2839123345 HTTPS://ip.example.cn 加V：\u212aelvin99"
    found = {(e.kind, e.value) for e in extract_entities(text)}
    assert ("wechat", "abc12345") in found
    assert ("qq", "2839123345") in found
    assert ("url", "https://ip.example.cn") in found
    assert ("wechat", "\u212aelvin99".lower()) in found
    # the keyword gates still apply: no keyword in a listed casing, no entity
    assert extract_entities("wEIXIN：Abc12345") == []


def test_company_names_run_back_over_the_same_characters_as_before() -> None:
    """The table _companies reads is the class it replaced: [\\u4e00-\\u9fff（）()] less the stops."""
    import re

    from classifiers.entities import _NAME_CHARS

    cjk = re.compile(r"[\u4e00-\u9fff（）()]")
    stops = set("的是在为与和及从由向对找选请本我你他贵该此一家")
    assert all(
        _NAME_CHARS[code] == (1 if cjk.match(chr(code)) and chr(code) not in stops else 0)
        for code in range(0x10000)
    )
