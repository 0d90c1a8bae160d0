"""Inputs shared by the command-line tests: the fake backends and two tiny contradicting articles."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Callable

#: Deterministic stand-in backends, no cache.
FAKE = ["--embedder", "fake.v1", "--nli-backend", "fake-nli.v1", "--no-cache"]

# The fake NLI reads "has approved" vs "has not approved" as a contradiction and the budget
# sentences as an agreement.
EN_A = ("The city council of Springfield has approved the new school budget for the year on Monday evening after a long debate. "
        "The budget includes funds for three new schools in the city.")
EN_B = ("The city council of Springfield has not approved the new school budget for the year on Monday evening after a long debate. "
        "The mayor said the budget includes funds for three new schools in the city.")


def run_sql(sql: str) -> Callable[[Path], None]:
    """A damage function for archive tests: runs ``sql`` on the archive file."""
    def damage(path: Path) -> None:
        db = sqlite3.connect(path)
        db.executescript(sql)
        db.commit()
        db.close()

    return damage
