"""docs/deployability.md lists every rule as the code defines it (no rule undocumented, no stale row)."""

from __future__ import annotations

import os
import re

from conftest import ROOT

from ml_inference_lb.deployability import RULES


def test_every_rule_is_in_the_doc_table_with_its_name_and_severity() -> None:
    with open(os.path.join(ROOT, "docs", "deployability.md"), encoding="utf-8") as handle:
        rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| (MLI\d{3}) \|.*$", handle.read(), re.M)}
    assert set(rows) == {rule.id for rule in RULES}
    for rule in RULES:
        assert f"`{rule.name}` | {rule.severity} |" in rows[rule.id], rule.id
