"""The one error hierarchy of ringscope; adapters translate driver exceptions into these."""

from __future__ import annotations


class RingscopeError(Exception):
    """Base class of every error ringscope raises on purpose."""


class InvalidEventError(RingscopeError):
    """An event broke the contract; ``reason`` names the field and the rule."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFoundError(RingscopeError):
    """A requested entity does not exist."""


class GraphUnavailableError(RingscopeError):
    """The graph server cannot be reached or refused the request."""


class EmbeddedServerError(RingscopeError):
    """The embedded FalkorDB server could not be started or stopped."""


class ConfigurationError(RingscopeError):
    """A setting has an invalid value."""


class DetectionBusyError(RingscopeError):
    """Another detection run holds the lock on this graph."""


class StreamGroupMissingError(RingscopeError):
    """The input stream or its consumer group was deleted while a worker read it."""
