"""Grouping similar calls into recurring issues, by text similarity (rapidfuzz), with no database.

Each call's summary and resolution are normalised (lower case, punctuation and numbers dropped, so
"Printer on floor 3" and "Printer on floor 5" read alike) and compared with rapidfuzz's
token-set ratio, which looks past word order and past extra sentences added to one resolution
("... Confirmed with the user by phone."). Calls are taken newest first; each joins the first
recurring issue whose first call it resembles at least `threshold` (0-100), or starts a new one.
Comparing with that first call, never with the last one added, keeps a chain of small differences
from gluing unrelated calls together.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import TypeVar

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

__all__ = ["DEFAULT_THRESHOLD", "normalise", "cluster_similar"]

DEFAULT_THRESHOLD = 85.0
K = TypeVar("K", bound=Hashable)
_NUMBERS = re.compile(r"\d+")
_RARE_WORDS = 4


def normalise(text: str) -> str:
    """Lower case, punctuation and numbers removed, whitespace collapsed."""
    return " ".join(default_process(_NUMBERS.sub(" ", text)).split())


def cluster_similar(documents: Sequence[tuple[K, str]], threshold: float = DEFAULT_THRESHOLD,
                    min_size: int = 2) -> list[list[K]]:
    """Groups of keys whose texts are alike, largest first; groups smaller than `min_size` are dropped.

    `documents` is (key, text) pairs, newest first; within a group the keys keep that order.
    Comparing each call with every issue found so far would grow with the square of the calls, so a
    call is only compared with the issues that share one of its rarest known words: texts alike enough to
    pass the threshold share most of their words, rare ones included.
    """
    if not 0 <= threshold <= 100:
        raise ValueError(f"threshold must be between 0 and 100 (got {threshold})")
    leaders: list[str] = []
    groups: list[list[K]] = []
    issues_with: dict[str, list[int]] = defaultdict(list)  # word -> issues whose first call has it
    for key, text in documents:
        clean = normalise(text)
        if not clean:
            continue
        words = set(clean.split())
        rarest = sorted((w for w in words if w in issues_with), key=lambda w: len(issues_with[w]))[:_RARE_WORDS]
        candidates = {i: leaders[i] for w in rarest for i in issues_with.get(w, ())}
        match = process.extractOne(clean, candidates, scorer=fuzz.token_set_ratio, processor=None,
                                   score_cutoff=threshold) if candidates else None
        if match is None:
            for word in words:
                issues_with[word].append(len(leaders))
            leaders.append(clean)
            groups.append([key])
        else:
            groups[match[2]].append(key)
    kept = [g for g in groups if len(g) >= min_size]
    # stable sort: equal sizes stay in order of their newest call
    return sorted(kept, key=len, reverse=True)
