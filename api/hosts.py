"""The ``Host`` allowlist that keeps DNS rebinding out, on HTTP and WebSocket alike.

A page on ``evil.example`` that rebinds its name to 127.0.0.1 reaches the API with
``Host: evil.example``; refusing names that are not on the list stops it in every mode. A
``Host`` that is an IP literal cannot come from a rebinding (the page's origin would be that
address itself), so IP literals always pass.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable


def host_name(header: str) -> str:
    """The name in a ``Host`` header: lower case, without port, brackets or a trailing dot."""
    text = header.strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text[1:]
    if text.count(":") == 1:
        text = text.partition(":")[0]
    return text.rstrip(".")


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostAllowlist:
    """Exact names, ``*.suffix`` wildcards, or ``*`` for any host (not recommended)."""

    def __init__(self, allowed: Iterable[str]) -> None:
        names = [host_name(a) if a.strip() != "*" else "*" for a in allowed if a.strip()]
        self.any = "*" in names
        self.exact = {n for n in names if not n.startswith("*")}
        self.suffixes = tuple(n[1:] for n in names if n.startswith("*."))

    def allows(self, header: str | None) -> bool:
        if self.any:
            return True
        if not header:
            return False
        name = host_name(header)
        if not name:
            return False
        return name in self.exact or name.endswith(self.suffixes) or is_ip_literal(name)
