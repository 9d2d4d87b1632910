"""The specialty vocabulary: the ERAS specialty list with the abbreviations and nicknames
students actually type ("EM", "peds", "gas", "gen surg"), the usual subspecialties ("cards",
"GI", "heme/onc", "PICU"…) each under its parent field, and typo-tolerant matching of free
keywords against specialties and research areas.

Everything here is pure: a vocabulary of terms goes in, matches come out. Roster import,
`/mentor profile`, `/mentor group create`, `/mentor find` and the letter rules all read
specialty names through this one module."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import IntEnum
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
    "internal medicine-psychiatry": ("med-psych", "med psych", "im-psych", "im psych",
                                     "internal medicine and psychiatry",
                                     "internal medicine & psychiatry"),
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
    "osteopathic neuromusculoskeletal medicine": ("onmm", "nmm", "neuromusculoskeletal medicine"),
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
    "transitional year": ("transitional", "ty", "transitional year program"),
    "thoracic surgery": ("cardiothoracic surgery", "ct surgery", "ct surg", "cardiac surgery",
                         "thoracic"),
    "urology": ("uro", "gu"),
    "vascular surgery": ("vascular", "vasc surg", "vasc"),
}

# Subspecialty -> (its parent field, aliases). A parent is an ERAS specialty or another
# subspecialty ("interventional cardiology" is part of cardiology, itself part of internal
# medicine). Fellowships with several parents are listed under the usual one.
SUBSPECIALTIES: dict[str, tuple[str, tuple[str, ...]]] = {
    # internal medicine
    "cardiology": ("internal medicine", ("cards", "cardio", "cardiac", "cardiovascular disease",
                                         "cardiovascular medicine")),
    "interventional cardiology": ("cardiology", ("interventional cards",)),
    "cardiac electrophysiology": ("cardiology", ("electrophysiology",
                                                 "clinical cardiac electrophysiology")),
    "advanced heart failure and transplant cardiology": ("cardiology", ("heart failure",)),
    "gastroenterology": ("internal medicine", ("gi", "gastro", "gastroenterology and hepatology")),
    "transplant hepatology": ("gastroenterology", ("hepatology",)),
    "hematology and oncology": ("internal medicine", (
        "heme/onc", "heme onc", "hem/onc", "hem onc", "hemeonc", "hematology-oncology",
        "hematology/oncology", "hematology", "oncology", "medical oncology", "onc", "heme")),
    "pulmonary and critical care medicine": ("internal medicine", (
        "pulm/crit care", "pulm crit care", "pulm/crit", "pulm crit", "pulm/cc", "pccm",
        "pulmonary critical care", "pulmonary/critical care", "pulmonology", "pulmonary",
        "pulm", "critical care", "critical care medicine", "icu", "micu")),
    "nephrology": ("internal medicine", ("renal", "nephro")),
    "infectious disease": ("internal medicine", ("id", "infectious diseases", "infectious disease "
                                                 "medicine")),
    "endocrinology": ("internal medicine", ("endo", "endocrine", "endocrinology diabetes and "
                                            "metabolism")),
    "rheumatology": ("internal medicine", ("rheum",)),
    "geriatric medicine": ("internal medicine", ("geriatrics", "geri")),
    "allergy and immunology": ("internal medicine", ("allergy", "immunology")),
    "hospital medicine": ("internal medicine", ("hospitalist",)),
    "hospice and palliative medicine": ("internal medicine", (
        "palliative care", "palliative medicine", "palliative", "hospice")),
    # pediatrics
    "pediatric cardiology": ("pediatrics", ("peds cards", "peds cardiology", "pediatric cards")),
    "neonatology": ("pediatrics", ("neonatal-perinatal medicine", "neonatal perinatal medicine",
                                   "nicu", "neonatal medicine")),
    "pediatric emergency medicine": ("pediatrics", ("peds em", "pem", "pediatric em",
                                                    "peds emergency medicine",
                                                    "pediatric emergency", "peds emergency")),
    "pediatric hematology and oncology": ("pediatrics", (
        "peds heme onc", "peds heme/onc", "pediatric heme onc", "pediatric heme/onc",
        "pediatric hematology-oncology", "pediatric hematology/oncology", "pediatric oncology",
        "peds onc")),
    "pediatric critical care medicine": ("pediatrics", ("picu", "peds critical care",
                                                        "pediatric critical care", "peds icu")),
    "pediatric gastroenterology": ("pediatrics", ("peds gi", "pediatric gi")),
    "pediatric endocrinology": ("pediatrics", ("peds endo", "pediatric endo")),
    "pediatric infectious diseases": ("pediatrics", ("peds id", "pediatric id",
                                                     "pediatric infectious disease")),
    "pediatric nephrology": ("pediatrics", ("peds nephro", "peds renal", "pediatric renal")),
    "pediatric pulmonology": ("pediatrics", ("peds pulm", "pediatric pulm",
                                             "pediatric pulmonary")),
    "pediatric rheumatology": ("pediatrics", ("peds rheum",)),
    "pediatric hospital medicine": ("pediatrics", ("peds hospitalist", "pediatric hospitalist",
                                                   "phm")),
    "developmental-behavioral pediatrics": ("pediatrics", ("dbp", "developmental pediatrics",
                                                           "developmental behavioral pediatrics")),
    "adolescent medicine": ("pediatrics", ("adolescent",)),
    # general surgery
    "surgical oncology": ("general surgery", ("surg onc",)),
    "trauma surgery": ("general surgery", ("trauma", "acute care surgery",
                                           "trauma and acute care surgery")),
    "surgical critical care": ("general surgery", ("sicu",)),
    "colon and rectal surgery": ("general surgery", ("colorectal surgery", "colorectal", "crs")),
    "pediatric surgery": ("general surgery", ("peds surg", "peds surgery", "pediatric surg")),
    "transplant surgery": ("general surgery", ("transplant", "abdominal transplant")),
    "breast surgery": ("general surgery", ("breast surgical oncology",)),
    "endocrine surgery": ("general surgery", ()),
    "bariatric surgery": ("general surgery", ("bariatrics",)),
    # orthopaedic surgery
    "orthopaedic sports medicine": ("orthopaedic surgery", ("ortho sports",
                                                            "orthopedic sports medicine")),
    "spine surgery": ("orthopaedic surgery", ("spine",)),
    "orthopaedic trauma": ("orthopaedic surgery", ("ortho trauma", "orthopedic trauma")),
    "hand surgery": ("orthopaedic surgery", ("hand surg",)),
    "pediatric orthopaedics": ("orthopaedic surgery", ("peds ortho", "pediatric orthopedics")),
    # obstetrics and gynecology
    "maternal-fetal medicine": ("obstetrics and gynecology", ("mfm", "maternal fetal medicine",
                                                              "perinatology")),
    "reproductive endocrinology and infertility": ("obstetrics and gynecology", (
        "rei", "reproductive endocrinology", "infertility")),
    "gynecologic oncology": ("obstetrics and gynecology", ("gyn onc", "gynonc", "gyn/onc")),
    "urogynecology": ("obstetrics and gynecology", ("fpmrs", "female pelvic medicine", "urogyn")),
    "complex family planning": ("obstetrics and gynecology", ("family planning",)),
    # emergency medicine
    "medical toxicology": ("emergency medicine", ("toxicology", "tox")),
    "emergency medical services": ("emergency medicine", ("ems", "prehospital")),
    # family medicine
    "sports medicine": ("family medicine", ("primary care sports medicine",)),
    # neurology
    "vascular neurology": ("neurology", ("stroke neurology",)),
    "epilepsy": ("neurology", ("clinical neurophysiology",)),
    "neurocritical care": ("neurology", ("neuro icu", "neurocritical")),
    # psychiatry
    "child and adolescent psychiatry": ("psychiatry", ("child psych", "child psychiatry")),
    "consultation-liaison psychiatry": ("psychiatry", ("c-l psychiatry", "cl psych",
                                                       "psychosomatic medicine")),
    "addiction psychiatry": ("psychiatry", ()),
    "forensic psychiatry": ("psychiatry", ("forensic psych",)),
    "geriatric psychiatry": ("psychiatry", ("geripsych", "geri psych")),
    # diagnostic radiology
    "neuroradiology": ("diagnostic radiology", ("neurorads", "neuro rads")),
    "pediatric radiology": ("diagnostic radiology", ("peds rads",)),
    "musculoskeletal radiology": ("diagnostic radiology", ("msk radiology", "msk rads")),
    "breast imaging": ("diagnostic radiology", ("mammography",)),
    # anesthesiology
    "pain medicine": ("anesthesiology", ("pain management",)),
    "pediatric anesthesiology": ("anesthesiology", ("peds anesthesia", "peds gas",
                                                    "pediatric anesthesia")),
    "cardiothoracic anesthesiology": ("anesthesiology", ("cardiac anesthesia", "ct anesthesia")),
    "obstetric anesthesiology": ("anesthesiology", ("ob anesthesia",)),
    # dermatology
    "dermatopathology": ("dermatology", ("dermpath",)),
    "mohs surgery": ("dermatology", ("mohs", "micrographic dermatologic surgery")),
    "pediatric dermatology": ("dermatology", ("peds derm",)),
    # pathology
    "forensic pathology": ("pathology", ()),
    "hematopathology": ("pathology", ("hemepath",)),
    "neuropathology": ("pathology", ()),
    "cytopathology": ("pathology", ()),
    # ophthalmology
    "retina": ("ophthalmology", ("vitreoretinal surgery",)),
    "glaucoma": ("ophthalmology", ()),
    "cornea": ("ophthalmology", ("cornea and external disease",)),
    "oculoplastics": ("ophthalmology", ("oculoplastic surgery",)),
    "pediatric ophthalmology": ("ophthalmology", ("peds ophtho",)),
    # otolaryngology
    "facial plastic surgery": ("otolaryngology", ("facial plastics",)),
    "neurotology": ("otolaryngology", ("otology",)),
    "laryngology": ("otolaryngology", ()),
    "rhinology": ("otolaryngology", ()),
    "pediatric otolaryngology": ("otolaryngology", ("peds ent", "pediatric ent")),
    # urology
    "pediatric urology": ("urology", ("peds uro", "peds urology")),
    "urologic oncology": ("urology", ("uro onc",)),
    # others
    "pediatric neurosurgery": ("neurological surgery", ("peds neurosurgery",)),
    "craniofacial surgery": ("plastic surgery", ("craniofacial",)),
    "congenital cardiac surgery": ("thoracic surgery", ()),
    "spinal cord injury medicine": ("physical medicine and rehabilitation", ()),
    "brain injury medicine": ("physical medicine and rehabilitation", ()),
}

_STOPWORDS = frozenset({
    "a", "an", "and", "the", "of", "in", "on", "for", "with", "to", "at", "by", "from", "or",
    "as", "is", "be", "research", "study", "studies",
})
TEXT_CACHE = 20_000
"""Distinct texts (names, research phrases, titles, keywords typed) whose folded form and
words are kept: enough for a 20,000-person roster's working set. The caches that held
200,000 (about 200 MB at their size for words alone) grew with every text ever seen."""
LOOKUP_CACHE = 10_000
"""Distinct texts whose specialty lookup is kept (specialties as typed, titles)."""
MIN_FUZZY_LENGTH = 4
FUZZY_CUTOFF = 0.8  # normalized Damerau–Levenshtein: one slip in five letters


@lru_cache(maxsize=TEXT_CACHE)
def fold(text: str) -> str:
    """Lowercase, accents folded, runs of spaces collapsed: how every term is compared."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"\s+", " ", folded).strip()


def _all_names() -> dict[str, tuple[str, ...]]:
    """Every specialty and subspecialty with its aliases."""
    names = dict(SPECIALTIES)
    names.update({name: aliases for name, (_parent, aliases) in SUBSPECIALTIES.items()})
    return names


@lru_cache(maxsize=1)
def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, aliases in _all_names().items():
        table[canonical] = canonical
        for alias in aliases:
            table[alias] = canonical
    # "orthopedic surgery" and friends: also accept the spelling without the "ae".
    for canonical in _all_names():
        table.setdefault(canonical.replace("ae", "e"), canonical)
    return table


def all_specialties() -> tuple[str, ...]:
    """Every canonical name: the ERAS specialties, then the subspecialties."""
    return tuple(_all_names())


@lru_cache(maxsize=LOOKUP_CACHE)
def canonical_specialty(text: str) -> str | None:
    """The canonical name for a specialty as typed (exact name or alias, any case and
    punctuation: "Heme-Onc", "Pulm/Crit Care"), else None."""
    key = fold(text).strip(" .")
    found = _alias_table().get(key) or _alias_table().get(key.replace(".", ""))
    if found is None:
        words = specialty_words(key)
        found = _phrase_table().get(words) if words else None
    return found


def fuzzy_specialty(text: str) -> str | None:
    """Like `canonical_specialty`, tolerating a typo in a full name ("pediatircs",
    "cardiolgy"): the closest name, if it is close enough."""
    exact = canonical_specialty(text)
    if exact is not None:
        return exact
    key = fold(text)
    if len(key) < MIN_FUZZY_LENGTH:
        return None
    names = [name for name in _alias_table() if len(name) >= MIN_FUZZY_LENGTH]
    found = process.extract(key, names, scorer=DamerauLevenshtein.normalized_similarity,
                            score_cutoff=FUZZY_CUTOFF, limit=8)
    if not found:
        return None
    best = max(score for _name, score, _ in found)
    # Names as close as each other ("cradiology": "cardiology" with two letters swapped,
    # "radiology" with one added) are told apart as a slip of the hand makes them: the same
    # length first (a swap or a wrong key keeps it), then the same first letter. A tie
    # left between two specialties is no answer: guessing would name an unrelated field.
    tied = sorted((abs(len(name) - len(key)), name[0] != key[0], name)
                  for name, score, _ in found if score == best)
    leaders = {_alias_table()[name] for length, letter, name in tied
               if (length, letter) == tied[0][:2]}
    return leaders.pop() if len(leaders) == 1 else None


CLOSEST_NAMES = 3
"""How many specialty names an "I don't know that specialty" message offers."""


def closest_specialties(text: str, limit: int = CLOSEST_NAMES) -> list[str]:
    """Canonical names closest to something that names no specialty ("cardiolgy",
    "basket weaving"), best first, for a message that says what was meant; [] when
    nothing is reasonably close."""
    key = fold(text)
    if not key:
        return []
    found = process.extract(key, list(_alias_table()), scorer=fuzz.WRatio,
                            limit=limit * 4, score_cutoff=70)
    names = dict.fromkeys(_alias_table()[name] for name, _score, _ in found)
    return list(names)[:limit]


def specialty_label(canonical: str) -> str:
    return canonical


# --- the family tree ---------------------------------------------------------------------


def parent_of(canonical: str) -> str | None:
    """The field a subspecialty is part of ("cardiology" -> "internal medicine"); None for an
    ERAS specialty or an unknown name."""
    entry = SUBSPECIALTIES.get(canonical)
    return entry[0] if entry else None


@lru_cache(maxsize=4096)
def lineage(canonical: str) -> tuple[str, ...]:
    """The specialty and the fields it belongs to, nearest first ("interventional
    cardiology", "cardiology", "internal medicine")."""
    chain = [canonical]
    parent = parent_of(canonical)
    while parent is not None and parent not in chain:
        chain.append(parent)
        parent = parent_of(parent)
    return tuple(chain)


@lru_cache(maxsize=1)
def _children() -> dict[str, tuple[str, ...]]:
    children: dict[str, list[str]] = {}
    for name, (parent, _aliases) in SUBSPECIALTIES.items():
        children.setdefault(parent, []).append(name)
    return {parent: tuple(names) for parent, names in children.items()}


@lru_cache(maxsize=4096)
def within(canonical: str) -> frozenset[str]:
    """The specialty and every subspecialty under it, at any depth: what "a cardiologist"
    or "internal medicine faculty" covers."""
    found = {canonical}
    stack = [canonical]
    while stack:
        for child in _children().get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return frozenset(found)


class SpecialtyFit(IntEnum):
    """How a specialty someone holds answers one that is wanted: the same field (or a part
    of it: a cardiologist is internal medicine faculty), the broader field it belongs to (an
    internist for someone who wants cardiology), or neither."""

    NONE = 0
    PARENT = 1
    SAME = 2


def specialty_fit(wanted: str, held: Iterable[str]) -> SpecialtyFit:
    """The best fit of any `held` specialty for the `wanted` one (canonical names; a name
    outside the vocabulary only fits itself)."""
    best = SpecialtyFit.NONE
    family = within(wanted)
    above = lineage(wanted)[1:]
    for name in held:
        if name in family:
            return SpecialtyFit.SAME
        if name in above:
            best = SpecialtyFit.PARENT
    return best


@lru_cache(maxsize=TEXT_CACHE)
def words_of(phrase: str) -> tuple[str, ...]:
    """The meaningful words of a research area ("point-of-care ultrasound" ->
    ["point", "care", "ultrasound", "point-of-care"])."""
    folded = fold(phrase)
    words = [w for w in re.split(r"[^a-z0-9]+", folded) if len(w) >= 3 and w not in _STOPWORDS]
    hyphenated = [w for w in re.split(r"[^a-z0-9-]+", folded) if "-" in w.strip("-")]
    return tuple(dict.fromkeys(words + hyphenated))


@lru_cache(maxsize=TEXT_CACHE)
def whole_terms(phrase: str) -> tuple[str, ...]:
    """The whole terms of a research area: the phrase itself, each hyphenated compound and
    each word that is not a piece of one ("point-of-care ultrasound" -> "point-of-care
    ultrasound", "point-of-care", "ultrasound"; never "care", a piece of a word). What two
    profiles are said to share: "High-value care" and "point-of-care ultrasound" share
    nothing."""
    folded = fold(phrase)
    if not folded:
        return ()
    tokens = [t.strip("-") for t in re.split(r"[^a-z0-9-]+", folded)]
    compounds = [t for t in tokens if "-" in t]
    alone = [t for t in tokens if t and "-" not in t and len(t) >= 3 and t not in _STOPWORDS]
    return tuple(dict.fromkeys([folded, *compounds, *alone]))


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
    """Close terms for a keyword that matched nothing: specialties and research terms, each
    a whole term a person could type (`whole_terms`): "high-value care" or "high-value",
    never "high", a piece of a word the vocabulary holds only for matching."""
    key = fold(keyword)
    research = set(research_vocabulary)
    phrases = [t for t in research if " " in t or "-" in t]
    pieces = {piece for t in phrases if "-" in t for piece in re.split(r"[^a-z0-9]+", t)}
    whole = {w for t in phrases for w in whole_terms(t)}
    choices = whole | (research - pieces) | set(_all_names())
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


def _scan(words: tuple[str, ...]) -> list[tuple[int, int, str | None]]:
    """`words` cut into runs, left to right: (start, length, the specialty the run names,
    or None for a word that is part of no name). The longest name wins at each place."""
    table = _phrase_table()
    runs: list[tuple[int, int, str | None]] = []
    i = 0
    while i < len(words):
        for take in range(min(_longest_phrase(), len(words) - i), 0, -1):
            canonical = table.get(words[i : i + take])
            if canonical is not None:
                runs.append((i, take, canonical))
                i += take
                break
        else:
            runs.append((i, 1, None))
            i += 1
    return runs


@lru_cache(maxsize=LOOKUP_CACHE)
def specialties_in(text: str) -> tuple[str, ...]:
    """The specialties `text` names, as canonical names in the order they appear: "EM
    residency" and "ER" name emergency medicine, "internal medicine-pediatrics" names
    med-peds (the longest name wins, so it is not read as internal medicine)."""
    return tuple(dict.fromkeys(name for _, _, name in _scan(specialty_words(text)) if name))


@lru_cache(maxsize=LOOKUP_CACHE)
def words_besides_specialties(text: str) -> tuple[str, ...]:
    """The folded words of `text` that are part of no specialty name or alias ("County
    General EM residency" -> county, general, residency): what is left to tell one program
    of a specialty from another."""
    words = specialty_words(text)
    return tuple(words[start] for start, _, name in _scan(words) if name is None)


def same_specialty(a: str, b: str) -> bool:
    """Whether two texts name the same specialty ("EM residency", "Emergency Medicine",
    "ER"): when both name specialties of the vocabulary, they must share one, counting a
    subspecialty as part of its field ("cardiology" is internal medicine; "peds EM" is
    pediatrics). Otherwise (a field the vocabulary lacks) the words are compared as typed,
    one text's words appearing as a run in the other's."""
    named_a, named_b = specialties_in(a), specialties_in(b)
    if named_a and named_b:
        family_a = {name for n in named_a for name in lineage(n)}
        family_b = {name for n in named_b for name in lineage(n)}
        return bool(set(named_a) & family_b) or bool(set(named_b) & family_a)
    x, y = specialty_words(a), specialty_words(b)
    return bool(x) and bool(y) and (_contains_run(x, y) or _contains_run(y, x))


def _contains_run(outer: tuple[str, ...], inner: tuple[str, ...]) -> bool:
    return any(outer[i : i + len(inner)] == inner for i in range(len(outer) - len(inner) + 1))
