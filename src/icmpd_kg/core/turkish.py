"""Folding Turkish text for comparison, in one place: the quote rule's loose name match
(``fold_case``), and the search and label-matching fold (``fold``) of the SPARQL function
``ikgfn:fold`` and of the Wikidata reconciliation. SPARQL's LCASE and Python's ``lower`` are wrong
for Turkish (``"I".lower()`` is ``"i"``, not ``"ı"``; ``"İ".lower()`` keeps a combining dot), so the
dotted and dotless i are folded by hand, before anything else.
"""

from __future__ import annotations

import unicodedata
from difflib import SequenceMatcher


def spaces(text: str) -> str:
    """Any run of white space (the source has no-break spaces) as one plain space."""
    return " ".join(text.split())


def fold_case(text: str) -> str:
    """Loose case folding for names: white space as single spaces, İ, I and ı as i, lower case;
    diacritics and punctuation kept ("ICMPD" finds "icmpd.org")."""
    return spaces(text).replace("İ", "i").replace("I", "i").replace("ı", "i").lower()


def fold(text: str) -> str:
    """``fold_case``, then diacritics dropped (ğ→g, ş→s, ç→c, ö→o, ü→u) and punctuation as single
    spaces: what search and label matching compare."""
    decomposed = unicodedata.normalize("NFKD", fold_case(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in stripped).split())


def similarity(a: str, b: str) -> float:
    """Similarity of two labels in [0, 1] after Turkish folding."""
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return 0.0
    return 1.0 if fa == fb else SequenceMatcher(None, fa, fb).ratio()
