"""Which IP office is responsible for a finding, and why: offices and signals are data.

``rules/offices.yaml`` lists the provincial and city offices with their area
names and landline area codes; ``rules/mobile_prefixes.yaml`` maps mobile
number blocks to a home city.  :func:`derive_office` tries the signals in a
fixed order, strongest first, and returns the office with a reason a reviewer
can read and check:

1. the registered address of the agency the actor names (from the register),
2. the region the shop or page states about itself ("地址：杭州市…"),
3. the area code of a landline number,
4. the home region of a mobile number block,
5. the platform's own region field (a marketplace's 所在地/发货地).

Nothing here knows the store; callers hand in plain values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from classifiers.categories import DEFAULT_RULES_DIR
from classifiers.yamltext import load_yaml

Signal = Literal[
    "agency_address", "shop_region", "landline", "mobile_prefix", "platform_region", "address"
]
SOURCE_LABELS: dict[str, str] = {
    "agency_address": "代理机构登记地址",
    "shop_region": "店铺/页面自述所在地",
    "landline": "固定电话区号",
    "mobile_prefix": "手机号段归属地",
    "platform_region": "平台标注的所在地",
    "fallback": "无地域线索，由监测单位负责",
    "transfer": "上级移交",
}
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[-\s]?\d{7,8}(?!\d)")
_LANDLINE_IN_TEXT = re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d{5})\d{4}(?!\d)")
_STATED = re.compile(
    r"(?:地址|所在地|位于|坐落于|公司地址|办公地址)[:：]?\s*([^\s,，。；;|｜]{2,40})"
)


_M = TypeVar("_M", bound=BaseModel)


class OfficeError(Exception):
    """``offices.yaml`` or ``mobile_prefixes.yaml`` is malformed; the message names file and entry."""


class Office(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^\d{6}$")
    name: str = Field(min_length=2)
    level: Literal["province", "city"]
    region: str = Field(min_length=2)
    parent: str | None = None
    aliases: list[str] = Field(default_factory=list)
    area_codes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _city_has_parent(self) -> Office:
        if self.level == "city" and not self.parent:
            raise ValueError("a city office names its provincial parent")
        return self


class _Example(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    signal: Literal["shop_region", "landline", "address", "mobile_prefix"]
    value: str
    office: str


class _OfficesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    offices: list[Office] = Field(min_length=1)
    examples: list[_Example] = Field(default_factory=list)


class _PrefixFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    prefixes: dict[str, str]


@dataclass(frozen=True)
class OfficeChoice:
    """An office and why it was chosen (``source`` is one of :data:`SOURCE_LABELS`)."""

    office: Office
    source: str
    reason: str


class OfficeDirectory:
    """The offices, indexed by code, region name and area code."""

    def __init__(self, offices: Sequence[Office], prefixes: dict[str, str]) -> None:
        self.offices = list(offices)
        self.by_code = {o.code: o for o in self.offices}
        self.prefixes = dict(prefixes)
        names: list[tuple[str, Office]] = []
        for office in self.offices:
            for name in (office.region, *office.aliases):
                names.append((name, office))
        # longest name first, and a city before its province, so "广东 深圳" finds 深圳
        self._names = sorted(names, key=lambda p: (-len(p[0]), p[1].level != "city"))
        self._area = {code: o for o in self.offices for code in o.area_codes}

    def get(self, code: str) -> Office:
        try:
            return self.by_code[code]
        except KeyError:
            raise OfficeError(f"unknown office code {code!r}; see rules/offices.yaml") from None

    def find_region(self, text: str) -> Office | None:
        """The most specific office whose area name appears in ``text`` (a city beats its province)."""
        found = [(text.find(name), o) for name, o in self._names if name and name in text]
        if not found:
            return None
        cities = [o for _, o in found if o.level == "city"]
        return cities[0] if cities else min(found, key=lambda p: p[0])[1]

    def by_area_code(self, number: str) -> tuple[str, Office] | None:
        for match in _LANDLINE.finditer(number):
            office = self._area.get(match.group(1))
            if office is not None:
                return match.group(1), office
        return None

    def by_mobile(self, number: str) -> tuple[str, Office] | None:
        for match in _MOBILE.finditer(number):
            code = self.prefixes.get(match.group(1))
            if code is not None and code in self.by_code:
                return match.group(1), self.by_code[code]
        return None


def _load(path: Path) -> object:
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise OfficeError(f"{path}: cannot read: {exc}") from exc


def _validate(model: type[_M], data: object, path: Path) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise OfficeError(f"{path}: {where}: {first['msg']}") from exc


def read_directory(offices_path: Path, prefixes_path: Path) -> OfficeDirectory:
    """Read and check both files: unique codes, parents that exist, prefixes to known offices."""
    offices = _validate(_OfficesFile, _load(offices_path), offices_path)
    codes = [o.code for o in offices.offices]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise OfficeError(f"{offices_path}: office codes listed twice: {dupes}")
    for i, office in enumerate(offices.offices):
        if office.parent and office.parent not in codes:
            raise OfficeError(
                f"{offices_path}: offices[{i}] ({office.code}): unknown parent {office.parent}"
            )
    prefixes = _validate(_PrefixFile, _load(prefixes_path), prefixes_path)
    for prefix, code in prefixes.prefixes.items():
        if not re.fullmatch(r"1[3-9]\d{5}", prefix):
            raise OfficeError(
                f"{prefixes_path}: prefix {prefix!r}: expected seven digits starting 13-19"
            )
        if code not in codes:
            raise OfficeError(f"{prefixes_path}: prefix {prefix}: unknown office code {code!r}")
    directory = OfficeDirectory(offices.offices, prefixes.prefixes)
    for i, ex in enumerate(offices.examples):
        got = _example(directory, ex)
        if got != ex.office:
            raise OfficeError(
                f"{offices_path}: examples[{i}]: {ex.signal} {ex.value!r} gave {got}, expected {ex.office}"
            )
    return directory


def _example(directory: OfficeDirectory, ex: _Example) -> str | None:
    if ex.signal == "landline":
        hit = directory.by_area_code(ex.value)
        return hit[1].code if hit else None
    if ex.signal == "mobile_prefix":
        hit = directory.by_mobile(ex.value)
        return hit[1].code if hit else None
    office = directory.find_region(ex.value)
    return office.code if office else None


@lru_cache(maxsize=4)
def load_directory(rules_dir: Path | None = None) -> OfficeDirectory:
    base = rules_dir or DEFAULT_RULES_DIR
    return read_directory(base / "offices.yaml", base / "mobile_prefixes.yaml")


def stated_region(text: str) -> str | None:
    """The address a page states about itself ("地址：杭州市高新区"), if any."""
    match = _STATED.search(text)
    return match.group(1) if match else None


def derive_office(
    directory: OfficeDirectory,
    *,
    agency: tuple[str, str] | None = None,
    text: str = "",
    phones: Iterable[str] = (),
    platform_region: str | None = None,
) -> OfficeChoice | None:
    """The responsible office from the strongest signal present, or ``None`` when there is none.

    ``agency`` is (name, registered address) of an agency the actor names and
    the register knows.
    """
    if agency is not None and agency[1]:
        office = directory.find_region(agency[1])
        if office is not None:
            return OfficeChoice(office, "agency_address",
                                f"代理机构“{agency[0]}”登记地址：{agency[1]}")  # fmt: skip
    stated = stated_region(text)
    if stated:
        office = directory.find_region(stated)
        if office is not None:
            return OfficeChoice(office, "shop_region", f"页面自述地址：{stated}")
    numbers = list(dict.fromkeys([*phones, *_LANDLINE_IN_TEXT.findall(text)]))
    for number in numbers:
        hit = directory.by_area_code(number)
        if hit is not None:
            return OfficeChoice(
                hit[1], "landline", f"固定电话{number}，区号{hit[0]}属{hit[1].region}"
            )
    for number in numbers:
        hit = directory.by_mobile(number)
        if hit is not None:
            return OfficeChoice(hit[1], "mobile_prefix",
                                f"手机号{number}，号段{hit[0]}归属{hit[1].region}（号段表 rules/mobile_prefixes.yaml）")  # fmt: skip
    if platform_region:
        office = directory.find_region(platform_region)
        if office is not None:
            return OfficeChoice(office, "platform_region", f"平台标注所在地：{platform_region}")
    return None
