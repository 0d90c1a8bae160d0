"""Lexicon loading: built-in files, user files merged in, malformed files rejected."""
from __future__ import annotations

import pytest

from checker.checks import extract_actors, extract_levels, load_lexicon
from checker.errors import LexiconError


def test_checks_lexicon_user_file_adds_alias_and_actor(tmp_path):
    user = tmp_path / "extra.toml"
    user.write_text('[actors.USA]\nnames = ["Uncle Sam"]\n\n[actors.XKX]\nlabel = "Kosovo"\nnames = ["Kosovo", "Priština"]\n', encoding="utf-8")
    lex = load_lexicon([user])
    assert [a.id for a in extract_actors("Uncle Sam and Kosovo met.", "en", lex)] == ["USA", "XKX"]
    # The built-in aliases stay.
    assert "Washington" in lex.table("actors")["USA"]["names"]


def test_checks_lexicon_user_file_adds_a_ladder_rung(tmp_path):
    user = tmp_path / "levels.toml"
    user.write_text(
        '[ladders.partnership.rungs.special_strategic]\nrank = 3\nlabel = "special strategic partnership"\n'
        'names = ["special strategic partnership", "besondere strategische Partnerschaft"]\n',
        encoding="utf-8",
    )
    lv = extract_levels("Japan und Indien haben eine besondere strategische Partnerschaft.", "de", lexicon=load_lexicon([user]))[0]
    assert (lv.label, lv.rank) == ("special strategic partnership", 3)


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("[actors.X]\nnames = 'one'\n", "must be"),
        ("[colours]\nred = ['rot']\n", "unknown"),
        ("[objects.x]\nlabel = 'x'\nnames = ['x']\nparent = 'nothing'\n", "unknown object"),
        ("[actors.X\n", "not valid TOML"),
    ],
)
def test_checks_lexicon_malformed_file_names_the_file(tmp_path, content, fragment):
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as err:
        load_lexicon([path])
    message = str(err.value)
    assert "bad.toml" in message and fragment in message and "\n" not in message


def test_checks_lexicon_missing_file_is_a_lexicon_error(tmp_path):
    with pytest.raises(LexiconError):
        load_lexicon([tmp_path / "nope.toml"])
