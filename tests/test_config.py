"""Case configuration: the shipped cases load, and every mistake is named with its fix."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from crisis_fca.config import (
    CASES_DIR,
    available_cases,
    config_hash,
    load_case,
    parse_case,
    resolve_data_dir,
)
from crisis_fca.errors import ConfigError


def _raw(name: str = "la-wildfire") -> dict:
    return tomllib.loads((CASES_DIR / f"{name}.toml").read_text())


def test_shipped_cases_load_with_their_windows() -> None:
    """Both study cases ship and have the study's windows."""
    assert {"uae-covid", "la-wildfire"} <= set(available_cases())
    uae = load_case("uae-covid")
    assert (str(uae.window.start), str(uae.window.end), uae.window.days) == (
        "2020-03-01",
        "2021-12-31",
        671,
    )
    la = load_case("la-wildfire")
    assert la.window.days == 34
    assert [s.kind for s in la.sources] == ["pems", "posts_by_day", "calfire"]


def test_study_profile_is_available_for_both_cases() -> None:
    """The study profile resolves and differs from the rigorous default."""
    for name in ("uae-covid", "la-wildfire"):
        study = load_case(name, profile="study")
        assert study.profile == "study"
        assert config_hash(study) != config_hash(load_case(name))


def test_a_third_case_needs_only_a_new_file(tmp_path: Path) -> None:
    """A new TOML in a cases folder is a new case, with no code change."""
    text = (
        (CASES_DIR / "la-wildfire.toml")
        .read_text()
        .replace('name = "la-wildfire"', 'name = "x-case"')
    )
    (tmp_path / "x-case.toml").write_text(text)
    assert available_cases(tmp_path) == ["x-case"]
    assert load_case("x-case", cases_dir=tmp_path).name == "x-case"


def test_unknown_key_is_named_with_a_suggestion() -> None:
    """A typo in a key names the key path and suggests the right one."""
    raw = _raw()
    raw["sources"][0]["domian"] = raw["sources"][0].pop("domain")
    with pytest.raises(
        ConfigError, match=r"unknown key 'sources\[0\]\.domian': did you mean 'domain'"
    ):
        parse_case(raw, source="la.toml")


def test_top_level_typo_is_named() -> None:
    """A misspelt section is refused, not ignored."""
    raw = _raw()
    raw["singals"] = raw.pop("signals")
    with pytest.raises(ConfigError, match=r"unknown key 'singals': did you mean 'signals'"):
        parse_case(raw)


def test_wrong_type_names_key_and_value() -> None:
    """A value of the wrong type names its key and the bad value."""
    raw = _raw()
    raw["signals"]["min_coverage"] = "most"
    with pytest.raises(ConfigError, match=r"'signals\.min_coverage'.*'most'"):
        parse_case(raw)


def test_inverted_window_says_to_swap() -> None:
    """An end before the start is reported with the fix."""
    raw = _raw()
    raw["window"] = {"start": raw["window"]["end"], "end": raw["window"]["start"]}
    with pytest.raises(ConfigError, match=r"before start.*swap them"):
        parse_case(raw)


def test_unknown_source_kind_lists_the_allowed_ones() -> None:
    """An adapter that does not exist is refused with the list of adapters."""
    raw = _raw()
    raw["sources"][0]["kind"] = "pemz"
    with pytest.raises(ConfigError, match=r"pems.*posts_by_day"):
        parse_case(raw)


def test_unknown_case_lists_known_cases() -> None:
    """Asking for a case that does not exist lists the ones that do."""
    with pytest.raises(ConfigError, match=r"unknown case 'nope'.*la-wildfire.*uae-covid"):
        load_case("nope")


def test_unknown_profile_is_refused() -> None:
    """Only rigorous and the profiles a case defines can be chosen."""
    with pytest.raises(ConfigError, match=r"unknown profile 'fast'.*rigorous"):
        load_case("uae-covid", profile="fast")


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    """A syntax error names the file."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[case\nname = 1")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        load_case(bad)


def test_data_dir_resolution_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """--data-dir beats the environment variable, which beats data/raw."""
    monkeypatch.setenv("CRISIS_FCA_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir(tmp_path / "arg") == (tmp_path / "arg").resolve()
    assert resolve_data_dir() == (tmp_path / "env").resolve()
    monkeypatch.delenv("CRISIS_FCA_DATA_DIR")
    assert resolve_data_dir().parts[-2:] == ("data", "raw")


def test_config_is_immutable() -> None:
    """Validated configuration cannot be changed after loading."""
    case = load_case("uae-covid")
    with pytest.raises(Exception, match="frozen"):
        case.window.start = case.window.end  # type: ignore[misc]


@pytest.mark.parametrize("name", ["uae-covid", "la-wildfire"])
def test_added_inflections_leave_the_study_substring_matches_unchanged(name: str) -> None:
    """Every keyword beyond the study's list contains a study keyword, so substring results hold."""
    study = tomllib.loads(Path(__file__).with_name("study_lexicons.toml").read_text())[name]
    assert dict(load_case(name, profile="study").text.lexicons) == {
        k: tuple(v) for k, v in study.items()
    }
    lexicons = load_case(name).text.lexicons
    assert set(lexicons) == set(study)
    for topic, words in lexicons.items():
        assert set(study[topic]) <= set(words), topic
        for word in set(words) - set(study[topic]):
            assert any(kw in word for kw in study[topic]), (topic, word)
