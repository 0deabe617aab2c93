"""Domain errors raised by services; views turn them into a flash message or an abort."""


class DomainError(Exception):
    """A rule of the domain refused the action; str(error) is the user-facing message."""


class StaleRecord(DomainError):
    """The record changed since the user loaded it."""


class Forbidden(DomainError):
    """The user may not do this to this record."""
