"""Who may read what: the one rule, used by the search filter, the document names a question
may match, the page viewer and the app. Group names are validated here, once, for the CLI and
the app alike."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from retrieval.errors import DocqaError
from retrieval.types import EVERYONE

#: ASCII letters, digits, '.', '_' and '-': a name no look-alike letter or markup can spoof
GROUP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class GroupError(DocqaError):
    """A group name or list that cannot be used; the message says why."""


def check_groups(groups: Iterable[str]) -> tuple[str, ...]:
    """The group names, trimmed, de-duplicated and sorted; a name outside ``GROUP_NAME`` is
    an error (an empty result is for the caller to judge)."""
    clean = tuple(sorted({g.strip() for g in groups if g.strip()}))
    for g in clean:
        if not GROUP_NAME.fullmatch(g):
            raise GroupError(f"Group name {g!r} is not valid: use letters, digits, '.', '_' "
                             "or '-'.")
    return clean


def may_read(readable_groups: Sequence[str] | None, doc_groups: Sequence[str]) -> bool:
    """``readable_groups`` None means every document (the operator, an admin)."""
    return readable_groups is None or bool(set(readable_groups) & set(doc_groups))


def reader_groups(groups: Iterable[str]) -> tuple[str, ...]:
    """What a reader in ``groups`` reads: those groups' documents and everyone's."""
    return tuple(sorted({EVERYONE, *groups}))
