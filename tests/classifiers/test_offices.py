"""Responsible office: 31 provincial offices and the main cities, derived from named signals in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.categories import DEFAULT_RULES_DIR
from classifiers.offices import OfficeError, derive_office, load_directory, read_directory


def test_the_directory_lists_every_provincial_level_office() -> None:
    d = load_directory()
    provinces = [o for o in d.offices if o.level == "province"]
    assert len(provinces) == 31
    assert len(d.offices) > 60
    assert all(d.by_code[o.parent].level == "province" for o in d.offices if o.parent)


@pytest.mark.parametrize(
    ("kwargs", "code", "source"),
    [
        ({"agency": ("某某代理事务所", "江苏省苏州市工业园区"), "text": "地址：杭州市",
          "platform_region": "广东"}, "320500", "agency_address"),
        ({"text": "联系我们 地址：温州市高新区", "platform_region": "广东 深圳"}, "330300", "shop_region"),
        ({"text": "电话 0755-88886666", "phones": ["13912345678"]}, "440300", "landline"),
        ({"phones": ["13905711234"], "platform_region": "北京"}, "330100", "mobile_prefix"),
        ({"phones": ["13312345678"], "platform_region": "湖北 武汉"}, "420100", "platform_region"),
        ({"platform_region": "江西"}, "360000", "platform_region"),
    ],
)  # fmt: skip
def test_the_strongest_signal_wins_and_says_why(kwargs: dict, code: str, source: str) -> None:  # type: ignore[type-arg]
    choice = derive_office(load_directory(), **kwargs)
    assert choice is not None
    assert (choice.office.code, choice.source) == (code, source)
    assert choice.reason


def test_no_signal_gives_no_office() -> None:
    assert derive_office(load_directory(), text="专利包授权", phones=["13312345678"]) is None


def test_a_bad_offices_file_names_the_entry(tmp_path: Path) -> None:
    text = (DEFAULT_RULES_DIR / "offices.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "offices.yaml"
    bad.write_text(text.replace('parent: "330000"', 'parent: "339999"', 1), encoding="utf-8")
    with pytest.raises(OfficeError, match="unknown parent 339999"):
        read_directory(bad, DEFAULT_RULES_DIR / "mobile_prefixes.yaml")
    bad.write_text(text.replace('office: "440300"', 'office: "440100"', 1), encoding="utf-8")
    with pytest.raises(OfficeError, match=r"examples\[0\]"):
        read_directory(bad, DEFAULT_RULES_DIR / "mobile_prefixes.yaml")
