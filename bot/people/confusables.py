"""Which characters look alike: Unicode's confusables table (UTS #39), as the
`confusable_homoglyphs` package ships it, turned into one representative per class of
look-alikes, so that two names can be compared by their *skeletons* (UTS #39, section 4).

Why that package: it installs from PyPI as a pure-Python wheel (PyICU, whose SpoofChecker
computes skeletons itself, has no wheel and needs ICU compiled here), it is maintained
(3.3.1, 2024) and carries the whole of Unicode's confusables.txt. The `confusables`
package also installs, but it merges look-alike groups transitively and adds leetspeak
(e→3, a→@), so "Wei" and "Wel" come out confusable: too many false alarms for names.

confusable_homoglyphs keeps each line of confusables.txt (a character → its prototype) as
an edge both ways. Since a prototype is never itself mapped to anything, the edges form
stars, one per prototype, and each star is exactly the set of characters that share a
skeleton character: the representative chosen here (the ASCII member if there is one,
else the lowest code point) stands for that prototype. Only single characters are
mapped; a look-alike made of several ("rn" for "m") is not caught."""

from __future__ import annotations

from functools import cache


def _representative(members: set[str]) -> str:
    return min(members, key=lambda c: (not c.isascii(), ord(c)))


@cache
def look_alike_table() -> dict[int, str]:
    """`str.translate` table: each character that has look-alikes → the representative of
    its class. Built once (about 9,600 entries)."""
    # The package reads its 1 MB table when imported, which only name checks need (roster
    # import, organizer add), not every process that imports this module.
    from confusable_homoglyphs.confusables import confusables_data  # lazy: a 1 MB table

    parent: dict[str, str] = {}

    def find(char: str) -> str:
        parent.setdefault(char, char)
        while parent[char] != char:
            parent[char] = parent[parent[char]]
            char = parent[char]
        return char

    for source, glyphs in confusables_data.items():
        for glyph in glyphs:
            a, b = find(source), find(glyph["c"])
            if a != b:
                parent[a] = b
    classes: dict[str, set[str]] = {}
    for char in list(parent):
        if len(char) == 1:
            classes.setdefault(find(char), set()).add(char)
    table: dict[int, str] = {}
    for members in classes.values():
        if len(members) > 1:
            chosen = _representative(members)
            table.update({ord(c): chosen for c in members if c != chosen})
    return table
