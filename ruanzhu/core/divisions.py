"""Provinces and their cities (GB/T 2260 administrative divisions), for the 省份/城市 choices of a form.

The codes come with python-stdnum, which keeps them for checking the birth place of resident ID numbers
(``stdnum/cn/loc.dat``, taken from the division code lists and updated with each release). A division that no
longer exists carries its last year (``[-2010]崇文区``) and is left out; one that was created later carries its
first year (``[1983-]秦皇岛市``), which is dropped from the name.

A city here is what a person names as theirs: a prefecture-level division (地级市, 地区, 自治州, 盟), or a
county-level city or county that a province governs directly (省直辖县级行政单位, e.g. 仙桃市). The four
municipalities and the three regions without prefectures (台湾, 香港, 澳门) are their own only city.
"""

import re
from functools import cache

from stdnum import numdb

_YEARS = re.compile(r"^\[(\d*)-(\d*)\]")
# Groupings of the code list that are not places a person lives in (林区 is the old heading of 神农架林区).
_GROUPINGS = {"市辖区", "县", "省直辖县级行政单位", "自治区直辖县级行政单位", "省直辖县级行政区划", "林区"}
# The list spells the two special administrative regions in traditional characters; the forms use simplified.
_SIMPLIFIED = {"香港特別行政區": "香港特别行政区", "澳門特別行政區": "澳门特别行政区"}
_DIRECTLY_GOVERNED = "90"


def _current_name(raw: str) -> str | None:
    """Return the division's name without its years, or None if it has ceased to exist."""
    years = _YEARS.match(raw)
    if years is None:
        return raw
    if years.group(2):
        return None
    return raw[years.end() :]


@cache
def _divisions() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for _length, _low, _high, props, children in numdb.get("cn/loc").prefixes:
        province = _SIMPLIFIED.get(props["province"], props["province"])
        cities: list[str] = []
        for _length, code, _high, child, _grandchildren in children:
            name = _current_name(child.get("county", ""))
            prefecture, rest = code[:2], code[2:]
            is_prefecture = rest == "00" and prefecture != "00"
            is_direct = prefecture == _DIRECTLY_GOVERNED and rest != "00"
            if name and (is_prefecture or is_direct) and name not in _GROUPINGS and name not in cities:
                cities.append(name)
        table[province] = tuple(cities) or (province,)
    return table


def provinces() -> tuple[str, ...]:
    """Return the provincial-level divisions in code order (北京市 … 澳门特别行政区)."""
    return tuple(_divisions())


def cities(province: str) -> tuple[str, ...]:
    """Return the cities of ``province`` in code order; an unknown province has none."""
    return _divisions().get(province, ())
