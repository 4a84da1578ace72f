"""The duplicate check's text processing: Indonesian words to stems (stop
words removed, Snowball's Indonesian stemmer), and a score of how much of
a request an application of the catalog covers, field by field, with the
words that matched (so that the analyst reads why).

Pure functions: no pool, no transaction (catalog.py and step_feasibility.py
call them; tests/test_duplicate_quality.py measures them)."""
import math
import re
from collections import Counter

import snowballstemmer
from rapidfuzz import fuzz

# Function words of Indonesian, and the words every application's
# description shares (they tell one application from another in nothing).
STOP_WORDS = frozenset("""
ada adalah agar akan aku anda antara apa apabila atas atau bagi bagaimana
bahwa baik banyak beberapa begitu belum berbagai bersama beserta bisa
boleh dalam dan dapat dari demikian dengan di dia hal hanya harus hingga
ia ialah ini itu jika juga kami kamu karena ke kepada ketika kita lagi
lain lalu maka mana masih melalui menjadi mereka misalnya namun nya oleh
pada para per perlu pula saat saja sampai sangat satu secara sehingga
sejak seluruh semua sendiri seperti serta setelah setiap sudah supaya
tanpa tentang terhadap tersebut tetapi untuk yaitu yakni yang
aplikasi sistem informasi si sim kota tangerang pemerintah pemkot daerah
online daring elektronik digital e berbasis web website mobile android
layanan data warga masyarakat opd dinas badan kecamatan kelurahan
""".split())
TOKEN = re.compile(r'[a-z0-9]+')
# Two stems are the same word when rapidfuzz's ratio reaches this
# (typing variants and stems the stemmer leaves apart: "puskesmas" and
# "puskesma", "antrean" and "antrian").
SAME_WORD = 85
# What each field pair weighs in the score; the request's title and
# description are read against the application's name and purpose.
FIELDS = [
    ('name', 0.35),
    ('purpose', 0.35),
    ('users', 0.10),
    ('io', 0.20),
    ]

_stemmer = snowballstemmer.stemmer('indonesian')


def stems(text):
    """The stems of `text`'s meaningful words, in order, each once, with
    the first word met for each stem (to show the analyst)"""
    found = {}
    for word in TOKEN.findall((text or '').lower()):
        if word in STOP_WORDS or len(word) < 3 or word.isdigit():
            continue
        stem = _stemmer.stemWord(word)
        if stem in STOP_WORDS or len(stem) < 3:
            continue
        found.setdefault(stem, word)
    return found


def request_fields(title, description, users, inputs, outputs):
    "The four fields of a request, as stems"
    return {
        'name': stems(title),
        'purpose': stems(f"{title or ''} {description or ''}"),
        'users': stems(users),
        'io': stems(f"{inputs or ''} {outputs or ''}"),
        }


def application_fields(name, purpose, users, inputs, outputs):
    "The four fields of a catalog application, as stems"
    return {
        'name': stems(name),
        'purpose': stems(f"{name or ''} {purpose or ''}"),
        'users': stems(users),
        'io': stems(f"{inputs or ''} {outputs or ''}"),
        }


def weights(documents):
    """The inverse document frequency of each stem over the catalog
    (a list of application_fields): a word many applications share
    weighs little"""
    frequency = Counter()
    for document in documents:
        frequency.update(set().union(*(f.keys() for f in document.values())))
    total = len(documents) or 1
    return {
        stem: math.log((1 + total) / (1 + count)) + 1
        for stem, count in frequency.items()}, math.log(1 + total) + 1


def _matches(left, right):
    "The stems of `left` that have their word in `right`"
    matched = []
    for stem in left:
        if stem in right:
            matched.append(stem)
        elif any(fuzz.ratio(stem, other) >= SAME_WORD for other in right
                if abs(len(stem) - len(other)) <= 2):
            matched.append(stem)
    return matched


def score(request, application, idf):
    """How much `application` resembles `request` (both as returned by
    request_fields/application_fields), 0 to 100, and the words matched
    per field: {field: [words]}"""
    idf, default = idf
    total = 0.0
    words = {}
    for field, weight in FIELDS:
        left, right = request[field], application[field]
        if not left or not right:
            continue
        matched = _matches(left, right)
        if not matched:
            continue
        # Dice coefficient of the two sets of stems, each stem weighted by
        # its rarity in the catalog.
        shared = sum(idf.get(s, default) for s in matched)
        both = (sum(idf.get(s, default) for s in left)
            + sum(idf.get(s, default) for s in right))
        total += weight * 2 * shared / both
        words[field] = [left[s] for s in matched]
    return round(100 * total, 1), words


def rank(request, applications, limit=10):
    """The `limit` applications most like `request`: [(key, score,
    words)] best first, from `applications` a list of (key, fields)"""
    idf = weights([fields for _, fields in applications])
    scored = []
    for key, fields in applications:
        value, words = score(request, fields, idf)
        if value > 0:
            scored.append((key, value, words))
    scored.sort(key=lambda item: -item[1])
    return scored[:limit]
