"""The specialty vocabulary: the ERAS specialty list with the abbreviations and nicknames
students actually type ("EM", "peds", "gas", "gen surg"), and typo-tolerant matching of free
keywords against specialties and research areas.

Everything here is pure: a vocabulary of terms goes in, matches come out."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

# Canonical name -> aliases (lowercase). The canonical names follow the ERAS specialty list.
SPECIALTIES: dict[str, tuple[str, ...]] = {
    "anesthesiology": ("anesthesia", "anaesthesia", "anaesthesiology", "anes", "gas", "gasser"),
    "child neurology": ("peds neuro", "pediatric neurology", "child neuro"),
    "dermatology": ("derm",),
    "diagnostic radiology": ("radiology", "rads", "diagnostic rads", "imaging"),
    "emergency medicine": ("em", "emergency", "er", "ed", "emergency department"),
    "family medicine": ("fm", "family practice", "fam med", "primary care"),
    "general surgery": ("gen surg", "gs", "surgery", "general surg", "gensurg"),
    "internal medicine": ("im", "medicine", "internal med", "int med"),
    "internal medicine-pediatrics": ("med-peds", "med peds", "medpeds", "im-peds", "im peds"),
    "interventional radiology": ("ir", "interventional rads"),
    "medical genetics": ("genetics", "medical genetics and genomics"),
    "neurological surgery": ("neurosurgery", "nsgy", "neurosurg", "neurological surg"),
    "neurology": ("neuro",),
    "nuclear medicine": ("nuc med", "nucs"),
    "obstetrics and gynecology": ("ob/gyn", "obgyn", "ob-gyn", "ob gyn", "obstetrics",
                                  "gynecology", "ob"),
    "ophthalmology": ("ophtho", "ophtha", "eye"),
    "orthopaedic surgery": ("ortho", "orthopedics", "orthopaedics", "orthopedic surgery",
                            "ortho surg"),
    "otolaryngology": ("ent", "ear nose and throat", "oto", "otolaryngology-head and neck surgery",
                       "head and neck surgery"),
    "pathology": ("path", "anatomic pathology", "clinical pathology", "ap/cp"),
    "pediatrics": ("peds", "paeds", "paediatrics", "pediatric", "kids"),
    "physical medicine and rehabilitation": ("pm&r", "pmr", "pm and r", "physiatry", "rehab",
                                             "physical medicine"),
    "plastic surgery": ("plastics", "plastic surg", "prs"),
    "preventive medicine": ("prev med", "public health", "occupational medicine"),
    "psychiatry": ("psych", "psy"),
    "radiation oncology": ("rad onc", "radonc", "radiation"),
    "thoracic surgery": ("cardiothoracic surgery", "ct surgery", "ct surg", "cardiac surgery",
                         "thoracic"),
    "urology": ("uro", "gu"),
    "vascular surgery": ("vascular", "vasc surg", "vasc"),
}

_STOPWORDS = frozenset({
    "a", "an", "and", "the", "of", "in", "on", "for", "with", "to", "at", "by", "from", "or",
    "as", "is", "be", "research", "study", "studies",
})
MIN_FUZZY_LENGTH = 4
FUZZY_CUTOFF = 0.8  # normalized Damerau–Levenshtein: one slip in five letters


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lowercase, accents folded, runs of spaces collapsed: how every term is compared."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"\s+", " ", folded).strip()


@lru_cache(maxsize=1)
def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, aliases in SPECIALTIES.items():
        table[canonical] = canonical
        for alias in aliases:
            table[alias] = canonical
    # "orthopedic surgery" and friends: also accept the spelling without the "ae".
    for canonical in SPECIALTIES:
        table.setdefault(canonical.replace("ae", "e"), canonical)
    return table


@lru_cache(maxsize=50_000)
def canonical_specialty(text: str) -> str | None:
    """The ERAS name for a specialty as typed (exact name or alias, any case), else None."""
    key = fold(text).strip(" .")
    return _alias_table().get(key) or _alias_table().get(key.replace(".", ""))


def fuzzy_specialty(text: str) -> str | None:
    """Like `canonical_specialty`, tolerating a typo in a full name ("pediatircs")."""
    exact = canonical_specialty(text)
    if exact is not None:
        return exact
    key = fold(text)
    if len(key) < MIN_FUZZY_LENGTH:
        return None
    names = [name for name in _alias_table() if len(name) >= MIN_FUZZY_LENGTH]
    found = process.extractOne(key, names, scorer=DamerauLevenshtein.normalized_similarity,
                               score_cutoff=FUZZY_CUTOFF)
    return _alias_table()[found[0]] if found else None


def specialty_label(canonical: str) -> str:
    return canonical


@lru_cache(maxsize=200_000)
def words_of(phrase: str) -> tuple[str, ...]:
    """The meaningful words of a research area ("point-of-care ultrasound" ->
    ["point", "care", "ultrasound", "point-of-care"])."""
    folded = fold(phrase)
    words = [w for w in re.split(r"[^a-z0-9]+", folded) if len(w) >= 3 and w not in _STOPWORDS]
    hyphenated = [w for w in re.split(r"[^a-z0-9-]+", folded) if "-" in w.strip("-")]
    return tuple(dict.fromkeys(words + hyphenated))


@dataclass(frozen=True)
class KeywordMatch:
    """What one keyword (as the student typed it) matched: a specialty or research terms."""

    keyword: str
    specialty: str | None = None
    terms: frozenset[str] = frozenset()  # folded research words/phrases it matches

    @property
    def matched(self) -> bool:
        return self.specialty is not None or bool(self.terms)


def split_keywords(words: Iterable[str]) -> list[str]:
    """Group typed words into keywords, joining runs that name a specialty ("emergency
    medicine", "gen surg", "ob gyn") so they are not searched word by word."""
    items = [w for w in (fold(w) for w in words) if w]
    out: list[str] = []
    i = 0
    while i < len(items):
        for take in range(min(5, len(items) - i), 0, -1):
            phrase = " ".join(items[i : i + take])
            if take == 1 or canonical_specialty(phrase) is not None:
                out.append(phrase)
                i += take
                break
    return list(dict.fromkeys(out))


def match_keyword(keyword: str, vocabulary: Collection[str]) -> KeywordMatch:
    """Match one keyword against the specialties and a vocabulary of research words/phrases
    (any collection: a set, or the keys of an index).
    Exact aliases win; otherwise small typos are forgiven (not in short words, where a typo
    is usually another word: "ent" is not "ed")."""
    specialty = canonical_specialty(keyword)
    key = fold(keyword)
    terms: set[str] = set()
    if key in vocabulary:
        terms.add(key)
    for word in words_of(key):
        if word in vocabulary:
            terms.add(word)
    if specialty is None and not terms and len(key) >= MIN_FUZZY_LENGTH:
        specialty = fuzzy_specialty(key)
        if specialty is None:
            candidates = [t for t in vocabulary if abs(len(t) - len(key)) <= 3]
            for term, _score, _ in process.extract(
                    key, candidates, scorer=DamerauLevenshtein.normalized_similarity,
                    score_cutoff=FUZZY_CUTOFF, limit=5):
                terms.add(term)
    return KeywordMatch(keyword=keyword, specialty=specialty, terms=frozenset(terms))


def suggest(keyword: str, research_vocabulary: Iterable[str], limit: int = 3) -> list[str]:
    """Close terms for a keyword that matched nothing: specialties and research words."""
    key = fold(keyword)
    choices = set(research_vocabulary) | set(SPECIALTIES)
    found = process.extract(key, list(choices), scorer=fuzz.WRatio, limit=limit,
                            score_cutoff=60)
    return [term for term, _score, _ in found]


# --- specialties named in free text (a program, an interest, a profile) -------------------

EMERGENCY_MEDICINE = "emergency medicine"
"""The specialty whose programs expect standardized letters of evaluation (SLOEs)."""
assert EMERGENCY_MEDICINE in SPECIALTIES


def specialty_words(text: str) -> tuple[str, ...]:
    """Folded words of `text`, punctuation dropped ("OB/GYN residency" -> ob, gyn, residency):
    how names and aliases are found inside longer text."""
    return tuple(w for w in re.split(r"[^a-z0-9]+", fold(text)) if w)


@lru_cache(maxsize=1)
def _phrase_table() -> dict[tuple[str, ...], str]:
    """Every name and alias as a run of words, so "pm&r", "ob/gyn" and "med-peds" are found
    in running text the way `canonical_specialty` finds them typed alone."""
    return {words: canonical for name, canonical in _alias_table().items()
            if (words := specialty_words(name))}


@lru_cache(maxsize=1)
def _longest_phrase() -> int:
    return max(len(words) for words in _phrase_table())


@lru_cache(maxsize=50_000)
def specialties_in(text: str) -> tuple[str, ...]:
    """The specialties `text` names, as canonical names in the order they appear: "EM
    residency" and "ER" name emergency medicine, "internal medicine-pediatrics" names
    med-peds (the longest name wins, so it is not read as internal medicine)."""
    words = specialty_words(text)
    table = _phrase_table()
    found: list[str] = []
    i = 0
    while i < len(words):
        for take in range(min(_longest_phrase(), len(words) - i), 0, -1):
            canonical = table.get(words[i : i + take])
            if canonical is not None:
                found.append(canonical)
                i += take
                break
        else:
            i += 1
    return tuple(dict.fromkeys(found))


def same_specialty(a: str, b: str) -> bool:
    """Whether two texts name the same specialty ("EM residency", "Emergency Medicine",
    "ER"): when both name specialties of the vocabulary, they must share one. Otherwise (a
    subspecialty the list lacks, such as "cardiology") the words are compared as typed, one
    text's words appearing as a run in the other's."""
    named_a, named_b = specialties_in(a), specialties_in(b)
    if named_a and named_b:
        return bool(set(named_a) & set(named_b))
    x, y = specialty_words(a), specialty_words(b)
    return bool(x) and bool(y) and (_contains_run(x, y) or _contains_run(y, x))


def _contains_run(outer: tuple[str, ...], inner: tuple[str, ...]) -> bool:
    return any(outer[i : i + len(inner)] == inner for i in range(len(outer) - len(inner) + 1))
