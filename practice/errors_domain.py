"""Errors that services raise and views turn into messages next to fields."""


class DomainError(Exception):
    """A rule of the product was not met; `field` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(DomainError):
    """Someone (or another tab) saved this record since it was opened."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "Someone else saved this page while you were editing it, so your changes have "
            "not been saved yet. They are still below. To compare, open this page in a new tab; "
            "if your version should replace theirs, press save again."
        )


class TokenError(DomainError):
    """A link that is expired, already used, revoked or malformed."""
