"""Site profiles: every shipped profile loads; a broken one names its file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lantian.config import PROJECT_ROOT
from spiders.profile import ProfileError, bind_base, load_profile, load_profiles, parse_profile

PROFILES = PROJECT_ROOT / "spiders" / "profiles"

MINIMAL = {
    "key": "demo_site",
    "name": "Demo",
    "kind": "search",
    "start": {"entry": "results", "queries": ["https://example.cn/s?q={keyword}"]},
    "pages": {
        "results": {"follow": [{"links": "a.r::attr(href)", "to": "landing"}]},
        "landing": {"emit": "landing", "fields": {"title": "h1::text"}},
    },
}


def _with(path: str, value: object) -> dict[str, object]:
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    node = data
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    node[keys[-1]] = value
    return data


def test_every_shipped_profile_loads() -> None:
    profiles = load_profiles(PROFILES)
    assert {"sousou", "taobaobei", "zhiquanba"} <= set(profiles)
    real = {"baidu", "sogou", "bing", "taobao", "jd", "pinduoduo", "xianyu", "tieba", "zhihu"}
    assert real <= set(profiles), f"missing real-platform profiles: {sorted(real - set(profiles))}"
    for key in real:
        assert profiles[key].verified is False, f"{key} cannot be verified without a deployment"
    assert profiles["taobaobei"].uses_browser


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("pages.landing.fields.title", "h1::text(", "pages.landing.fields.title"),
        (
            "pages.results.follow.0.to",
            "nowhere",
            "pages.results.follow.0.to: unknown page type 'nowhere'",
        ),
        ("start.queries", ["https://example.cn/s"], "lacks {keyword}"),
        ("start.entry", "home", "start.entry: unknown page type 'home'"),
        ("kind", "blog", "kind"),
        ("pages.landing.encoding", "klingon-8", "unknown encoding"),
        ("rate.concurrency", 0, "rate.concurrency"),
        ("pages.landing.fields.title", {"xpath": "//h1[", "css": None}, "invalid XPath"),
    ],
)
def test_invalid_profile_names_file_and_field(path: str, value: object, expected: str) -> None:
    with pytest.raises(ProfileError) as info:
        parse_profile(_with(path, value), "bad.yaml")
    message = str(info.value)
    assert message.startswith("bad.yaml: ")
    assert expected in message


def test_no_emitting_page_is_rejected() -> None:
    data = _with("pages.landing.emit", None)
    del data["pages"]["landing"]["fields"]
    with pytest.raises(ProfileError, match="no page type emits"):
        parse_profile(data, "x.yaml")


def test_key_must_match_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(MINIMAL, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError, match="must match the file name"):
        load_profile(path)


def test_yaml_syntax_error_names_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("key: [unclosed\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="broken.yaml: not valid YAML"):
        load_profile(path)


def test_bind_base_fills_placeholders_and_domains() -> None:
    profile = load_profile(PROFILES / "sousou.yaml")
    with pytest.raises(ProfileError, match="--base-url sousou=URL"):
        bind_base(profile, None)
    bound = bind_base(profile, "http://127.0.0.1:9000/")
    assert bound.start.queries == ["http://127.0.0.1:9000/s?wd={keyword}"]
    assert "127.0.0.1" in bound.allowed_domains
    assert bound.pages["results"].follow[0].match == r"^http://127\.0\.0\.1:9000/"
    assert not bound.needs_base


def test_fields_on_a_navigation_page_are_rejected() -> None:
    data = _with("pages.results.fields", {"title": "h1::text"})
    with pytest.raises(ProfileError, match="pages.results: fields and records need emit"):
        parse_profile(data, "x.yaml")


def test_relative_cookie_file_resolves_beside_the_profile(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    data["session"] = {"cookies_file": "secrets/demo_site.cookies.txt"}
    path = tmp_path / "demo_site.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_profile(path).session.cookies_file == tmp_path / "secrets" / "demo_site.cookies.txt"
