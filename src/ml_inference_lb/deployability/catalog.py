"""Every deployability rule, in id order. Ids are stable: a retired rule's id is never reused."""

from __future__ import annotations

from . import rules_capacity, rules_identity, rules_network, rules_security, rules_updates, rules_values
from .model import Rule

RULES: tuple[Rule, ...] = tuple(
    sorted(
        (
            *rules_network.RULES,
            *rules_identity.RULES,
            *rules_updates.RULES,
            *rules_values.RULES,
            *rules_capacity.RULES,
            *rules_security.RULES,
        ),
        key=lambda rule: rule.id,
    )
)
BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}


def rule(key: str) -> Rule:
    """A rule by id (``MLI003``) or name (``endpoint-put-drops-traffic``)."""
    found = BY_ID.get(key) or BY_NAME.get(key)
    if found is None:
        raise KeyError(f"no deployability rule {key!r}; rules: {', '.join(BY_ID)}")
    return found
