#!/usr/bin/env python3
"""Generate pgwire's SASLprep tables and test vectors.

usage:
  gen-saslprep-tables.py tables [--check]        src/auth/saslprep_tables.h
  gen-saslprep-tables.py nfkc-vectors [--check]  tests/vectors/nfkc_vectors.txt
  gen-saslprep-tables.py pg-vectors [--pg-check-nfkc]
                                                 tests/vectors/saslprep_pg15.txt

`tables` and `nfkc-vectors` are deterministic: with --check they regenerate in
memory and exit 1 when the committed file differs. They need a Python whose
unicodedata is Unicode 14.0.0 (Python 3.11), the version PostgreSQL 15's
normalisation tables come from.

`pg-vectors` starts a throwaway cluster with scripts/pg-fixture.sh, sets each
test password with ALTER ROLE ... PASSWORD (the server hashes it after its
own SASLprep), records the stored SCRAM secret, checks that the secret
matches what pg_saslprep_model() below predicts, and stops and deletes the
cluster. With --pg-check-nfkc it also runs every NFKC vector through the
server's normalize(..., NFKC) and reports any disagreement.

Data sources:
  - RFC 3454 tables B.1, C.*, A.1, D.1, D.2: Python's stringprep module
    (derived from Unicode 3.2 through unicodedata.ucd_3_2_0, checked against
    the RFC's own tables when CPython generates it).
  - Decompositions, combining classes, compositions: unicodedata (14.0.0).
    The primary composites are the canonical pairs whose composition
    survives NFC; that excludes CompositionExclusions.txt, singletons and
    non-starter decompositions, the same set PostgreSQL recomposes with.
"""

import argparse
import hashlib
import hmac
import base64
import os
import random
import stringprep
import subprocess
import sys
import unicodedata

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
TABLES_H = os.path.join(ROOT, "src", "auth", "saslprep_tables.h")
NFKC_VECTORS = os.path.join(ROOT, "tests", "vectors", "nfkc_vectors.txt")
PG_VECTORS = os.path.join(ROOT, "tests", "vectors", "saslprep_pg15.txt")
UNICODE_VERSION = "14.0.0"
MAX_CP = 0x10FFFF

# Hangul syllables are composed and decomposed algorithmically.
SBASE, LBASE, VBASE, TBASE = 0xAC00, 0x1100, 0x1161, 0x11A7
LCOUNT, VCOUNT, TCOUNT = 19, 21, 28
SCOUNT = LCOUNT * VCOUNT * TCOUNT

# Table encodings shared with src/auth/saslprep.c.
CKPT_SHIFT = 4          # one offset checkpoint per 16 decomposition entries
COMP_SECOND_BITS = 6    # low bits of a composition key: index of the second
RUN_MIN = 4             # shortest run of singleton decompositions kept as a run


def need_unicode_version():
    if unicodedata.unidata_version != UNICODE_VERSION:
        sys.exit("gen-saslprep-tables: unicodedata is %s; PostgreSQL 15 uses %s (run with "
                 "Python 3.11)" % (unicodedata.unidata_version, UNICODE_VERSION))


# ---- data ---------------------------------------------------------------

def ranges(pred):
    """Inclusive [first, last] ranges of the code points where pred holds."""
    out = []
    start = None
    for cp in range(MAX_CP + 1):
        if pred(cp):
            if start is None:
                start = cp
        elif start is not None:
            out.append((start, cp - 1))
            start = None
    if start is not None:
        out.append((start, MAX_CP))
    return out


def sp_pred(*tables):
    return lambda cp: any(t(chr(cp)) for t in tables)


def stringprep_tables():
    sp = stringprep
    return [
        ("sp_b1", "B.1 commonly mapped to nothing", ranges(sp_pred(sp.in_table_b1))),
        ("sp_c12", "C.1.2 non-ASCII space characters, mapped to U+0020",
         ranges(sp_pred(sp.in_table_c12))),
        ("sp_prohibited", "C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9: "
         "prohibited output",
         ranges(sp_pred(sp.in_table_c12, sp.in_table_c21, sp.in_table_c22, sp.in_table_c3,
                        sp.in_table_c4, sp.in_table_c5, sp.in_table_c6, sp.in_table_c7,
                        sp.in_table_c8, sp.in_table_c9))),
        ("sp_a1", "A.1 unassigned code points in Unicode 3.2", ranges(sp_pred(sp.in_table_a1))),
        ("sp_d1", "D.1 bidirectional property R or AL (RandALCat)",
         ranges(sp_pred(sp.in_table_d1))),
        ("sp_d2", "D.2 bidirectional property L (LCat)", ranges(sp_pred(sp.in_table_d2))),
    ]


def one_level(cp):
    """(is_compat, [code points]) of cp's own decomposition mapping, or None."""
    d = unicodedata.decomposition(chr(cp))
    if not d:
        return None
    parts = d.split()
    compat = parts[0].startswith("<")
    if compat:
        parts = parts[1:]
    return compat, [int(p, 16) for p in parts]


def full_decomposition(cp):
    """Recursive compatibility decomposition, not reordered (the normaliser
    reorders the whole string afterwards, as PostgreSQL does)."""
    m = one_level(cp)
    if m is None:
        return [cp]
    out = []
    for c in m[1]:
        out.extend(full_decomposition(c))
    return out


def utf16(cps):
    out = []
    for c in cps:
        if c > 0xFFFF:
            c -= 0x10000
            out += [0xD800 | (c >> 10), 0xDC00 | (c & 0x3FF)]
        else:
            out.append(c)
    return out


def normalisation_tables():
    decomps = []  # (cp, [utf16 units])
    for cp in range(MAX_CP + 1):
        if SBASE <= cp < SBASE + SCOUNT:
            continue
        if one_level(cp) is not None:
            decomps.append((cp, utf16(full_decomposition(cp))))

    ccc = []  # breakpoints (first cp, class); each holds up to the next
    prev = None
    for cp in range(MAX_CP + 1):
        c = unicodedata.combining(chr(cp))
        if c != prev:
            ccc.append((cp, c))
            prev = c
    assert ccc[0] == (0, 0)

    pairs = {}
    for cp in range(MAX_CP + 1):
        m = one_level(cp)
        if m is None or m[0] or len(m[1]) != 2:
            continue
        a, b = m[1]
        if unicodedata.normalize("NFC", chr(a) + chr(b)) == chr(cp):
            assert (a, b) not in pairs
            pairs[(a, b)] = cp
    seconds = sorted({b for (_, b) in pairs})
    assert len(seconds) <= 1 << COMP_SECOND_BITS
    comps = sorted(((a << COMP_SECOND_BITS) | seconds.index(b), c) for (a, b), c in pairs.items())
    return decomps, ccc, seconds, comps


def decomp_long_len():
    """The only decomposition length that does not fit a nibble."""
    long_lens = {len(u) for _, u in normalisation_tables()[0] if len(u) > 15}
    assert len(long_lens) == 1
    return long_lens.pop()


# ---- tables header --------------------------------------------------------

def c_array(ctype, name, values, per_line, fmt, comment=None):
    lines = []
    if comment:
        lines.append("/* %s */" % comment)
    lines.append("static const %s %s[%d] = {" % (ctype, name, len(values)))
    for i in range(0, len(values), per_line):
        lines.append("    " + ", ".join(fmt % v for v in values[i:i + per_line]) + ",")
    lines.append("};")
    return "\n".join(lines) + "\n"


def tables_header():
    need_unicode_version()
    sizes = []
    parts = []
    for name, what, rs in stringprep_tables():
        # The ranges below U+10000 as 16-bit pairs and the others as 32-bit
        # pairs; the second part ends with a pair no code point is in, so it
        # is never empty.
        bmp = [x for r in rs if r[1] <= 0xFFFF for x in r]
        sup = [x for r in rs if r[1] > 0xFFFF for x in r] + [0xFFFFFFFF, 0xFFFFFFFF]
        assert all(r[1] <= 0xFFFF or r[0] > 0xFFFF for r in rs) and bmp
        parts.append(c_array("uint16_t", name + "_bmp", bmp, 8, "0x%04X",
                             "%s: %d ranges, first the %d below U+10000" %
                             (what, len(rs), len(bmp) // 2)))
        parts.append(c_array("uint32_t", name + "_sup", sup, 8, "0x%05X"))
        sizes.append((name, 2 * len(bmp) + 4 * len(sup)))

    decomps, ccc, seconds, comps = normalisation_tables()
    ccc_vals = [(cp << 8) | c for cp, c in ccc]
    parts.append(c_array("uint32_t", "nf_ccc", ccc_vals, 6, "0x%08X",
                         "Canonical combining classes: (first << 8) | class, sorted; "
                         "each class holds up to the next entry's first code point"))
    sizes.append(("nf_ccc", 4 * len(ccc_vals)))

    # Runs: consecutive code points that each decompose to one code point,
    # the targets consecutive too (mathematical alphanumerics, fullwidth
    # forms, ...), are kept as (first, count, first target) instead of one
    # entry each.
    runs, cur = [], None
    for cp, units in decomps:
        full = full_decomposition(cp)
        if len(full) == 1 and cur is not None and cur[0] + cur[1] == cp and \
                cur[2] + cur[1] == full[0] and cur[1] < 0x100:
            cur[1] += 1
            continue
        if cur is not None:
            runs.append(cur)
        cur = [cp, 1, full[0]] if len(full) == 1 else None
    if cur is not None:
        runs.append(cur)
    runs = [r for r in runs if r[1] >= RUN_MIN]
    in_run = {r[0] + i for r in runs for i in range(r[1])}
    decomps = [(cp, u) for cp, u in decomps if cp not in in_run]
    parts.append(c_array("uint32_t", "nf_run_key", [(f << 8) | (n - 1) for f, n, _ in runs], 6,
                         "0x%07X",
                         "Runs of singleton decompositions: (first code point << 8) | "
                         "(count - 1), sorted; code point first + i decomposes to "
                         "nf_run_target[r] + i"))
    parts.append(c_array("uint32_t", "nf_run_target", [t for _, _, t in runs], 8, "0x%05X"))
    sizes += [("nf_run_key", 4 * len(runs)), ("nf_run_target", 4 * len(runs))]

    # Keys: the entries of each 256-code-point page are contiguous (the
    # table is sorted), so a page index plus the low byte of each code point
    # replaces a 32-bit key per entry.
    pages, lows, lens, data, ckpt = [], [], [], [], []
    for i, (cp, units) in enumerate(decomps):
        assert 0 < len(units) <= 0xFF
        while len(pages) <= cp >> 8:
            pages.append(i)
        if i % (1 << CKPT_SHIFT) == 0:
            assert len(data) <= 0xFFFF
            ckpt.append(len(data))
        lows.append(cp & 0xFF)
        lens.append(len(units))
        data.extend(units)
    pages.append(len(decomps))
    assert len(data) <= 0xFFFF and len(decomps) <= 0xFFFF
    # Lengths as nibbles, two per byte (entry i in the low nibble when i is
    # even); 0 stands for the one length above 15 (U+FDFA's).
    long_lens = {n for n in lens if n > 15}
    assert len(long_lens) == 1
    long_len = long_lens.pop()
    nib = [0 if n > 15 else n for n in lens] + [0]
    packed = [nib[i] | (nib[i + 1] << 4) for i in range(0, len(lens), 2)]
    parts.append(c_array("uint16_t", "nf_decomp_page", pages, 8, "%5d",
                         "Decompositions by page of 256 code points: the entries of page p "
                         "are [nf_decomp_page[p], nf_decomp_page[p + 1]); the last page "
                         "holding one is %d" % (len(pages) - 2)))
    parts.append(c_array("uint8_t", "nf_decomp_low", lows, 12, "0x%02X",
                         "Low byte of each entry's code point, sorted within its page: full "
                         "compatibility decompositions (NFKD of one code point before "
                         "reordering), Hangul syllables excluded"))
    parts.append(c_array("uint8_t", "nf_decomp_len", packed, 12, "0x%02X",
                         "Length of each entry's decomposition in UTF-16 units, a nibble "
                         "each: entry i in the low nibble of byte i / 2 when i is even, in "
                         "the high one when odd; 0 means NF_DECOMP_LONG_LEN"))
    parts.append(c_array("uint16_t", "nf_decomp_ckpt", ckpt, 8, "%5d",
                         "Offset in nf_decomp_data of entry i << %d; later entries add the "
                         "lengths in between" % CKPT_SHIFT))
    parts.append(c_array("uint16_t", "nf_decomp_data", data, 8, "0x%04X",
                         "The decompositions, UTF-16 (supplementary code points as "
                         "surrogate pairs)"))
    sizes += [("nf_decomp_page", 2 * len(pages)), ("nf_decomp_low", len(lows)),
              ("nf_decomp_len", len(packed)), ("nf_decomp_ckpt", 2 * len(ckpt)),
              ("nf_decomp_data", 2 * len(data))]

    parts.append(c_array("uint32_t", "nf_comp_second", seconds, 8, "0x%05X",
                         "Every code point that is the second of a primary composite's "
                         "canonical pair, sorted"))
    parts.append(c_array("uint32_t", "nf_comp_key", [k for k, _ in comps], 6, "0x%07X",
                         "Primary composites by pair: (first << %d) | index of the second "
                         "in nf_comp_second, sorted" % COMP_SECOND_BITS))
    deltas = [c - (k >> COMP_SECOND_BITS) for k, c in comps]
    assert all(-0x8000 <= d <= 0x7FFF for d in deltas)
    parts.append(c_array("int16_t", "nf_comp_delta", deltas, 8, "%6d",
                         "The composite for nf_comp_key[i], minus the pair's first code "
                         "point"))
    sizes += [("nf_comp_second", 4 * len(seconds)), ("nf_comp_key", 4 * len(comps)),
              ("nf_comp_delta", 2 * len(comps))]

    total = sum(s for _, s in sizes)
    head = """/* Generated by tools/gen-saslprep-tables.py; do not edit, rerun it.
 *
 * Sources: RFC 3454's tables as Python's stringprep module implements them
 * (Unicode 3.2), and the Unicode %s character database as Python's
 * unicodedata ships it (the version PostgreSQL 15's normaliser uses).
 * Included by src/auth/saslprep.c only.
 *
 * Sizes in bytes: %s; total %d. */
#ifndef PGWIRE_AUTH_SASLPREP_TABLES_H
#define PGWIRE_AUTH_SASLPREP_TABLES_H

#include <stdint.h>

#define NF_UNICODE_VERSION "%s"
#define NF_DECOMP_CKPT_SHIFT %d
#define NF_DECOMP_LONG_LEN %d
#define NF_COMP_SECOND_BITS %d

""" % (UNICODE_VERSION, wrap_sizes(sizes), total, UNICODE_VERSION, CKPT_SHIFT,
       decomp_long_len(), COMP_SECOND_BITS)
    return head + "\n".join(parts) + "\n#endif\n", sizes


def wrap_sizes(sizes):
    items = ["%s %d" % (n, s) for n, s in sizes]
    lines, cur = [], ""
    for it in items:
        add = (", " if cur else "") + it
        if len(" * Sizes in bytes: ") + len(cur) + len(add) > 76 and cur:
            lines.append(cur + ",")
            cur = it
        else:
            cur += add
    lines.append(cur)
    return "\n * ".join(lines)


# ---- NFKC vectors ----------------------------------------------------------

def assigned(cp):
    return unicodedata.category(chr(cp)) not in ("Cn", "Cs")


def nfkc_cases():
    """A deterministic mix: every code point with a decomposition on its
    own, every composition pair both ways, Hangul, and random sequences
    that exercise reordering and blocking."""
    need_unicode_version()
    rng = random.Random(4013)
    decomps, ccc, seconds, comps = normalisation_tables()
    cases = []

    cases += [[cp] for cp, _ in decomps]

    pair_list = []
    for cp in range(MAX_CP + 1):
        m = one_level(cp)
        if m and not m[0] and len(m[1]) == 2 and \
                unicodedata.normalize("NFC", chr(m[1][0]) + chr(m[1][1])) == chr(cp):
            pair_list.append(m[1])
    cases += [list(p) for p in pair_list]

    # Hangul: syllables both ways, jamo around the edges of the L, V and T
    # ranges (TBASE itself is not a trailing consonant), and jamo that no
    # syllable contains.
    for _ in range(150):
        s = SBASE + rng.randrange(SCOUNT)
        cases.append([s])
        cases.append(list(map(ord, unicodedata.normalize("NFD", chr(s)))))
    for l in (LBASE, LBASE + LCOUNT - 1, LBASE + LCOUNT):
        for v in (VBASE - 1, VBASE, VBASE + VCOUNT - 1, VBASE + VCOUNT):
            for t in (None, TBASE - 1, TBASE, TBASE + 1, TBASE + TCOUNT - 1, TBASE + TCOUNT):
                cases.append([l, v] + ([t] if t is not None else []))
    for s in (SBASE, SBASE + 1, SBASE + TCOUNT, SBASE + SCOUNT - TCOUNT, SBASE + SCOUNT - 1):
        for t in (TBASE, TBASE + 1, TBASE + TCOUNT - 1, TBASE + TCOUNT, 0x0301):
            cases.append([s, t])

    # Pools for random sequences.
    marks = [cp for cp in range(MAX_CP + 1)
             if unicodedata.combining(chr(cp)) and assigned(cp)]
    firsts = sorted({a for a, _ in pair_list})
    compat = [cp for cp, _ in decomps if unicodedata.decomposition(chr(cp)).startswith("<")]
    canon = [cp for cp, _ in decomps if not unicodedata.decomposition(chr(cp)).startswith("<")]
    jamo = list(range(0x1100, 0x1200)) + list(range(0xA960, 0xA97D)) + \
        list(range(0xD7B0, 0xD7FC))
    seconds_l = list(seconds)
    latin = [ord(c) for c in "aeiouAEIOUcnszyw"]
    any_assigned = [cp for cp in range(0x20, 0x30000) if assigned(cp)]

    def pick(pool):
        return pool[rng.randrange(len(pool))]

    # A base and several marks in random order: reordering and blocking.
    for _ in range(900):
        seq = [pick(firsts) if rng.random() < 0.7 else pick(latin)]
        for _ in range(rng.randrange(1, 6)):
            seq.append(pick(seconds_l) if rng.random() < 0.5 else pick(marks))
        cases.append(seq)
    # Marks first, starters between: composition must not reach across.
    for _ in range(200):
        seq = []
        for _ in range(rng.randrange(2, 7)):
            r = rng.random()
            seq.append(pick(marks) if r < 0.35 else pick(firsts) if r < 0.6 else
                       pick(seconds_l) if r < 0.8 else pick(canon))
        cases.append(seq)
    # Compatibility characters next to marks (e.g. a ligature then U+0301).
    for _ in range(300):
        seq = [pick(compat)]
        for _ in range(rng.randrange(0, 4)):
            seq.append(pick(marks) if rng.random() < 0.5 else pick(compat))
        cases.append(seq)
    # Hangul jamo soup.
    for _ in range(200):
        cases.append([pick(jamo) for _ in range(rng.randrange(2, 7))])
    # Anything assigned.
    for _ in range(400):
        cases.append([pick(any_assigned) for _ in range(rng.randrange(1, 9))])

    seen = set()
    out = []
    for c in cases:
        k = tuple(c)
        if k not in seen:
            seen.add(k)
            out.append(c)
    return out


def nfkc_vectors_text():
    cases = nfkc_cases()
    lines = [
        "# NFKC test vectors for src/auth/saslprep.c's normaliser. Generated by",
        "# tools/gen-saslprep-tables.py nfkc-vectors (deterministic) from Python's",
        "# unicodedata.normalize('NFKC', ...), Unicode %s." % UNICODE_VERSION,
        "# Format: input code points ; expected NFKC code points (hex, space separated).",
        "# %d cases: every code point with a decomposition, every composition pair," % len(cases),
        "# Hangul syllables and jamo (L/V/T range edges), and seeded random sequences",
        "# of bases, combining marks and compatibility characters.",
    ]
    for c in cases:
        exp = [ord(ch) for ch in unicodedata.normalize("NFKC", "".join(map(chr, c)))]
        lines.append("%s;%s" % (" ".join("%04X" % x for x in c), " ".join("%04X" % x for x in exp)))
    return "\n".join(lines) + "\n", cases


# ---- a model of PostgreSQL's pg_saslprep -----------------------------------

def pg_saslprep_model(pw):
    """(prepared bytes, None) or (None, reason): what PostgreSQL 15's
    src/common/saslprep.c does, written from its documented behaviour.
    Note that its prohibition and bidi checks look at the mapped input,
    not at the normalised output."""
    if all(b < 0x80 for b in pw):
        return pw, None
    try:
        s = pw.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return None, "invalid UTF-8"
    mapped = []
    for ch in s:
        if stringprep.in_table_c12(ch):
            mapped.append(" ")
        elif stringprep.in_table_b1(ch):
            pass
        else:
            mapped.append(ch)
    if not mapped:
        return None, "empty after mapping"
    for ch in mapped:
        if sp_pred(stringprep.in_table_c12, stringprep.in_table_c21, stringprep.in_table_c22,
                   stringprep.in_table_c3, stringprep.in_table_c4, stringprep.in_table_c5,
                   stringprep.in_table_c6, stringprep.in_table_c7, stringprep.in_table_c8,
                   stringprep.in_table_c9)(ord(ch)):
            return None, "prohibited"
        if stringprep.in_table_a1(ch):
            return None, "unassigned"
    if any(stringprep.in_table_d1(ch) for ch in mapped):
        if any(stringprep.in_table_d2(ch) for ch in mapped) or \
                not stringprep.in_table_d1(mapped[0]) or not stringprep.in_table_d1(mapped[-1]):
            return None, "bidi"
    return unicodedata.normalize("NFKC", "".join(mapped)).encode("utf-8"), None


def scram_keys(pw, salt, iterations):
    salted = hashlib.pbkdf2_hmac("sha256", pw, salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored = hashlib.sha256(client_key).digest()
    server = hmac.new(salted, b"Server Key", "sha256").digest()
    return stored, server


# (label, password bytes, needs a SQL_ASCII database because it is not UTF-8)
PG_CASES = [
    ("precomposed_e_acute", "pass\u00e9".encode(), False),
    ("decomposed_e_acute", "passe\u0301".encode(), False),
    ("soft_hyphen_removed", "pa\u00adss".encode(), False),
    ("roman_nine", "\u2168".encode(), False),
    ("i_soft_hyphen_x", "I\u00adX".encode(), False),
    ("feminine_ordinal", "\u00aa".encode(), False),
    ("fullwidth_pass", "\uff50\uff41\uff53\uff53".encode(), False),
    ("hangul_jamo_lvt", "\u1112\u1161\u11ab\u1100\u116e\u11a8".encode(), False),
    ("hangul_syllables", "\ud55c\uad6d\uc5b4".encode(), False),
    ("marks_reordered", "a\u0302\u0323".encode(), False),
    ("ligature_and_squared", "\ufb01\u338f\u2460".encode(), False),
    ("nbsp_to_space", "pass\u00a0word".encode(), False),
    ("zero_width_space_to_space", "pa\u200bss".encode(), False),
    ("mixed_fixture", "p\u00e4ssw\u00f6rd\u2168".encode(), False),
    ("arabic_only", "\u0627\u0644\u0633\u0631".encode(), False),
    ("arabic_with_symbol_inside", "\u0627\u2100\u0627".encode(), False),
    ("control_char_prohibited", "p\u00e4ss\u0007".encode(), False),
    ("private_use_prohibited", "pass\ue000".encode(), False),
    ("emoji_unassigned_in_3_2", "pass\U0001f600".encode(), False),
    ("unassigned_input_normalisable", "x\U0001f101".encode(), False),
    ("bidi_arabic_then_digit", "\u0627\u0031".encode(), False),
    ("bidi_mixed_l_and_r", "a\u05d0b".encode(), False),
    ("empty_after_mapping", "\u00ad".encode(), False),
    ("ascii_control_fast_path", b"pass\x07word", False),
    ("invalid_utf8_ff", b"p\xc3\xa4ss\xff", True),
    ("invalid_utf8_surrogate", b"pa\xed\xa0\x80ss", True),
    ("invalid_utf8_overlong", b"pa\xc0\xafss", True),
]


def sql_literal(b):
    # An E'' literal made of \x escapes only: no quoting or encoding questions.
    return "E'" + "".join("\\x%02x" % x for x in b) + "'"


def pg_vectors(check_nfkc):
    fixture = os.path.join(ROOT, "scripts", "pg-fixture.sh")
    d = subprocess.run(["bash", fixture, "start"], check=True, stdout=subprocess.PIPE,
                       text=True).stdout.strip()
    try:
        env = {}
        for line in subprocess.run(["bash", fixture, "env", d], check=True,
                                   stdout=subprocess.PIPE, text=True).stdout.splitlines():
            k, _, v = line[len("export "):].partition("=")
            env[k] = v.strip("'")
        psql = os.path.join(os.environ.get("PGW_PG_BINDIR", "/usr/lib/postgresql/15/bin"),
                            "psql")

        def run_sql(sql, db="postgres", encoding="UTF8"):
            e = dict(os.environ, PGCLIENTENCODING=encoding)
            r = subprocess.run([psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                                "-h", env["PGW_TEST_SOCKDIR"], "-p", env["PGW_TEST_PORT"],
                                "-U", "postgres", "-d", db],
                               input=sql.encode("ascii"), stdout=subprocess.PIPE, env=e,
                               check=True)
            return r.stdout.decode("utf-8", errors="surrogateescape")

        version = run_sql("SELECT version();").strip()
        # Invalid UTF-8 can only reach the server through a database (and
        # client encoding) that does not check it.
        run_sql("CREATE DATABASE pgw_sqlascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' "
                "LC_CTYPE 'C' TEMPLATE template0;")
        out = []
        for i, (label, pw, sqlascii) in enumerate(PG_CASES):
            role = "pgw_sp_%d" % i
            sql = ("SET password_encryption = 'scram-sha-256';\n"
                   "CREATE ROLE %s LOGIN PASSWORD %s;\n"
                   "SELECT rolpassword FROM pg_authid WHERE rolname = '%s';\n"
                   % (role, sql_literal(pw), role))
            secret = run_sql(sql, db="pgw_sqlascii" if sqlascii else "postgres",
                             encoding="SQL_ASCII" if sqlascii else "UTF8").strip()
            mech, _, rest = secret.partition("$")
            itsalt, _, keys = rest.partition("$")
            iters, _, salt = itsalt.partition(":")
            stored, _, server = keys.partition(":")
            assert mech == "SCRAM-SHA-256", secret
            prepared, reason = pg_saslprep_model(pw)
            used = prepared if prepared is not None else pw
            got = scram_keys(used, base64.b64decode(salt), int(iters))
            want = (base64.b64decode(stored), base64.b64decode(server))
            if got != want:
                sys.exit("pg-vectors: %s: the server's secret does not match the model "
                         "(model: %s)" % (label, reason or "prepared"))
            kind = "prepared" if prepared is not None else "raw"
            out.append((label, pw, kind, used if kind == "prepared" else None, reason, secret))
            print("pg-vectors: %-32s %-8s %s" % (label, kind, reason or ""), file=sys.stderr)

        if check_nfkc:
            text, cases = nfkc_vectors_text()
            bad = 0
            checked = 0
            batch = []
            for c in cases:
                # Surrogates and U+0000 cannot be in a UTF-8 text value.
                if any(0xD800 <= x <= 0xDFFF or x == 0 for x in c):
                    continue
                batch.append(c)
            for start in range(0, len(batch), 500):
                chunk = batch[start:start + 500]
                sql = "SELECT " + ", ".join(
                    "encode(convert_to(normalize(convert_from(decode('%s', 'hex'), 'UTF8'), "
                    "NFKC), 'UTF8'), 'hex')" % "".join(map(chr, c)).encode().hex()
                    for c in chunk) + ";"
                res = run_sql(sql).strip().split("|")
                for c, h in zip(chunk, res):
                    checked += 1
                    want = unicodedata.normalize("NFKC", "".join(map(chr, c)))
                    if bytes.fromhex(h).decode() != want:
                        bad += 1
                        print("pg-vectors: NFKC differs from PostgreSQL for %s: server %s, "
                              "python %s" % (" ".join("%04X" % x for x in c),
                                             " ".join("%04X" % ord(x)
                                                      for x in bytes.fromhex(h).decode()),
                                             " ".join("%04X" % ord(x) for x in want)),
                              file=sys.stderr)
            print("pg-vectors: NFKC vectors checked against the server's normalize(): "
                  "%d cases, %d differ" % (checked, bad), file=sys.stderr)
    finally:
        subprocess.run(["bash", fixture, "stop", d], check=False)

    lines = [
        "# SASLprep equivalence with PostgreSQL: each password was set with",
        "# CREATE ROLE ... PASSWORD on a throwaway %s" % version.split(" on ")[0],
        "# cluster (password_encryption = scram-sha-256), so the server ran its own",
        "# SASLprep before hashing; secret= is the rolpassword it stored. Recorded by",
        "# tools/gen-saslprep-tables.py pg-vectors, which also checked every secret",
        "# against a Python model of pg_saslprep.",
        "# Format: one case per line, space-separated key=value fields:",
        "#   case=<label> pw=<password, hex of its bytes>",
        "#   kind=prepared|raw   prepared: SASLprep succeeded and the server hashed",
        "#                       prep=; raw: SASLprep failed (reason=) and the server",
        "#                       hashed pw as given",
        "#   secret=SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>",
    ]
    for label, pw, kind, used, reason, secret in out:
        f = ["case=" + label, "pw=" + pw.hex(), "kind=" + kind]
        if kind == "prepared":
            f.append("prep=" + used.hex())
        else:
            f.append("reason=" + reason.replace(" ", "_"))
        f.append("secret=" + secret)
        lines.append(" ".join(f))
    return "\n".join(lines) + "\n"


# ---- main -------------------------------------------------------------------

def write_or_check(path, text, check):
    rel = os.path.relpath(path, ROOT)
    if check:
        try:
            with open(path, encoding="utf-8") as f:
                cur = f.read()
        except FileNotFoundError:
            cur = None
        if cur != text:
            print("gen-saslprep-tables: %s is out of date" % rel, file=sys.stderr)
            return 1
        print("gen-saslprep-tables: %s is up to date" % rel, file=sys.stderr)
        return 0
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print("gen-saslprep-tables: wrote %s" % rel, file=sys.stderr)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["tables", "nfkc-vectors", "pg-vectors"])
    ap.add_argument("--check", action="store_true",
                    help="compare with the committed file instead of writing it")
    ap.add_argument("--pg-check-nfkc", action="store_true",
                    help="pg-vectors: also check the NFKC vectors against the server")
    args = ap.parse_args()
    if args.what == "tables":
        text, sizes = tables_header()
        for n, s in sizes:
            print("gen-saslprep-tables: %-16s %6d bytes" % (n, s), file=sys.stderr)
        print("gen-saslprep-tables: %-16s %6d bytes" % ("total", sum(s for _, s in sizes)),
              file=sys.stderr)
        return write_or_check(TABLES_H, text, args.check)
    if args.what == "nfkc-vectors":
        text, cases = nfkc_vectors_text()
        print("gen-saslprep-tables: %d NFKC cases" % len(cases), file=sys.stderr)
        return write_or_check(NFKC_VECTORS, text, args.check)
    need_unicode_version()
    return write_or_check(PG_VECTORS, pg_vectors(args.pg_check_nfkc), False)


if __name__ == "__main__":
    sys.exit(main())
