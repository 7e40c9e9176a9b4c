from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from core.errors import ConfigurationError
from ingest.scoring.rules import DEFAULT_RULES, RuleBook, load_rules, parse_rules

GOOD = """
rules:
  - {code: AMOUNT_SPIKE, type: amount_spike, weight: 60, params: {multiple: 5}}
"""


def test_default_rules_cover_the_required_checks() -> None:
    rules = load_rules(DEFAULT_RULES)
    codes = {r.code for r in rules.rules}
    assert {
        "AMOUNT_SPIKE",
        "IMPOSSIBLE_TRAVEL",
        "VELOCITY_BURST",
        "NEW_DEVICE_HIGH_VALUE",
        "SHARED_DEVICE",
        "NEW_COUNTERPARTY_HIGH_VALUE",
        "REFUND_WITHOUT_PAYMENT",
    } <= codes
    assert all(0 < r.weight <= 100 for r in rules.rules)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("{code: BIG, type: amount_spike, weight: 150}", r"rule #1 \(BIG\): field weight"),
        (
            "{code: BIG, type: amount_spike, weight: 5, params: {mutliple: 5}}",
            r"\(BIG\): field params.mutliple: Extra inputs",
        ),
        (
            "{code: BIG, type: amount_spike, weight: 5, params: {multiple: 0.5}}",
            r"\(BIG\): field params.multiple",
        ),
        ("{code: FAST, type: warp_speed, weight: 5}", r"\(FAST\): field type"),
        ("{code: lower, type: velocity, weight: 5}", r"field code"),
        ("{type: velocity, weight: 5}", r"rule #1: field code: Field required"),
    ],
)
def test_invalid_rules_name_the_rule_and_the_field(rule: str, expected: str) -> None:
    with pytest.raises(ConfigurationError, match=expected):
        parse_rules({"rules": [yaml.safe_load(rule)]}, "rules.yaml")


def test_duplicate_codes_and_unknown_keys_are_rejected() -> None:
    rule = {"code": "A_B", "type": "velocity", "weight": 5}
    with pytest.raises(ConfigurationError, match="rule #2: duplicate code 'A_B'"):
        parse_rules({"rules": [rule, rule]})
    with pytest.raises(ConfigurationError, match="unknown top-level keys"):
        parse_rules({"rules": [], "rulez": []})


def test_rulebook_reloads_on_change_and_keeps_rules_after_a_bad_edit(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD)
    book = RuleBook(path, check_every_s=0)
    assert [r.weight for r in book.current().rules] == [60]
    path.write_text(GOOD.replace("60", "70"))
    os.utime(path, ns=(1, 10**18))  # a new mtime even within the clock's resolution
    assert [r.weight for r in book.current().rules] == [70]
    path.write_text(GOOD.replace("weight: 60", "weight: -1"))
    os.utime(path, ns=(1, 2 * 10**18))
    assert [r.weight for r in book.current().rules] == [70]


def test_disabled_rules_are_skipped() -> None:
    rules = parse_rules(
        {"rules": [{"code": "A_B", "type": "velocity", "weight": 5, "enabled": False}]}
    )
    assert rules.rules == ()
