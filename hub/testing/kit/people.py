"""Seeded people for sandboxes: realistic names, unique e-mails, the same for the same seed."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

U = TypeVar("U")

FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
         "Kemi", "Liam", "Maya", "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq",
         "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe"]
LAST = ["Okafor", "Lindqvist", "Moreau", "Patel", "Novak", "Haddad", "Kim", "Tanaka", "Silva",
        "Weber", "Adeyemi", "Murphy", "Rossi", "Berg", "Ivanova", "Sharma", "Walsh", "Garcia",
        "Cohen", "Nakamura"]


def seed_people(count: int, rng: random.Random, *, taken: Callable[[str], bool],
              add: Callable[[str, str], U], first: Sequence[str] = FIRST,
              last: Sequence[str] = LAST) -> list[U]:
    """`count` people added as first.last@example.com (a number added where an e-mail is
    `taken`), in the seed's shuffled order."""
    made: list[U] = []
    for n in range(count):
        given, family = first[n % len(first)], last[(n * 7 + n // len(first)) % len(last)]
        email = f"{given}.{family}@example.com".lower()
        if taken(email):
            email = f"{given}.{family}{n}@example.com".lower()
        made.append(add(email, f"{given} {family}"))
    rng.shuffle(made)
    return made
