"""A mail server's or a mail provider's failure, said in the clerk's words."""

from __future__ import annotations

from desktop.models.errors import KnownError


class MailError(KnownError):
    """A mail server's failure in the clerk's words. `lasting`: trying again will not help
    (a refused address, a wrong password); otherwise the notice waits and is tried again."""

    def __init__(self, message: str, *, lasting: bool = False) -> None:
        super().__init__(message)
        self.lasting = lasting
