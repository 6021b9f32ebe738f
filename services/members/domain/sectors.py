"""Business sectors as NACE rev. 2 codes (stored as two-digit divisions or
section letters): the section of a code, the sections whose companies
typically supply or serve each other, and the divisions of sections."""

# NACE rev. 2: first division of each section
_SECTION_STARTS = ((1, "A"), (5, "B"), (10, "C"), (35, "D"), (36, "E"), (41, "F"), (45, "G"), (49, "H"),
                   (55, "I"), (58, "J"), (64, "K"), (68, "L"), (69, "M"), (77, "N"), (84, "O"), (85, "P"),
                   (86, "Q"), (90, "R"), (94, "S"), (97, "T"), (99, "U"))
# sections whose companies typically supply or serve each other
_COMPLEMENTARY = {frozenset(p) for p in (
    ("A", "C"), ("A", "G"), ("C", "G"), ("C", "H"), ("C", "M"), ("C", "J"), ("D", "C"), ("D", "F"),
    ("F", "L"), ("F", "M"), ("G", "H"), ("G", "J"), ("I", "H"), ("I", "R"), ("I", "N"), ("J", "K"),
    ("J", "M"), ("J", "N"), ("K", "F"), ("K", "L"), ("M", "N"), ("N", "S"), ("P", "M"), ("Q", "J"),
    ("R", "N"))}


def nace_section(sector):
    if not sector:
        return None
    if sector[0].isalpha():
        return sector[0].upper()
    division = int(sector[:2])
    return [section for start, section in _SECTION_STARTS if start <= division][-1]


def complementary_sections(sector):
    section = nace_section(sector)
    if section is None:
        return set()
    return {other for pair in _COMPLEMENTARY if section in pair for other in pair if other != section}


def divisions_of(sections):
    """Two-digit NACE divisions in ``sections`` (sector codes are stored as divisions or section letters)."""
    result = []
    for index, (start, section) in enumerate(_SECTION_STARTS):
        end = _SECTION_STARTS[index + 1][0] if index + 1 < len(_SECTION_STARTS) else 100
        if section in sections:
            result.extend(f"{d:02d}" for d in range(start, end))
    return result
