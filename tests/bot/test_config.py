"""Configuration layers and validation: defaults, then COPBOT_CONFIG, then environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Secret, default_data_dir, load_config


def test_defaults_load_and_database_defaults_to_the_per_user_data_folder():
    config = load_config({})
    assert config.database_path == default_data_dir() / "copbot.db"
    assert config.database_path.is_absolute()
    assert "copbot" in config.database_path.parent.parts
    assert config.community.timezone == "Europe/London"
    assert config.questions.max_length == 1000
    assert config.reminders.days_before == (3, 1)
    assert not config.token


def test_file_then_environment_override(tmp_path: Path):
    extra = tmp_path / "mine.toml"
    extra.write_text('[community]\nname = "Hip CoP"\n[questions]\nrate_limit_count = 3\n', encoding="utf-8")
    config = load_config(
        {
            "COPBOT_CONFIG": str(extra),
            "COPBOT__QUESTIONS__RATE_LIMIT_COUNT": "7",
            "COPBOT_DB": str(tmp_path / "x.db"),
            "COPBOT_LOG_LEVEL": "debug",
        }
    )
    assert config.community.name == "Hip CoP"
    assert config.questions.rate_limit_count == 7
    assert config.database_path == tmp_path / "x.db"
    assert config.log_level == "DEBUG"
    assert config.sources[-1] == str(extra)


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"COPBOT__QUESTIONS__MAX_LENGTH": "0"}, "questions.max_length"),
        ({"COPBOT__COMMUNITY__TIMEZONE": '"Mars/Base"'}, "community.timezone"),
        ({"COPBOT_LOG_LEVEL": "LOUD"}, "bot.log_level"),
        ({"COPBOT__REMINDERS__ON_DUE_DAY": '"sometimes"'}, "reminders.on_due_day"),
        ({"COPBOT__REMINDERS__DAYS_BEFORE": "[3, -1]"}, "reminders.days_before"),
        ({"COPBOT__NOSECTION": "1"}, "COPBOT__SECTION__KEY"),
    ],
)
def test_bad_values_name_the_key(environ: dict[str, str], names: str):
    with pytest.raises(ConfigError, match=names.replace(".", r"\.")):
        load_config(environ)


def test_missing_config_file_is_named(tmp_path: Path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config({"COPBOT_CONFIG": str(tmp_path / "nope.toml")})


def test_broken_toml_is_reported(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[community\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config({"COPBOT_CONFIG": str(bad)})


def test_token_never_prints():
    secret = Secret("abcdefghijklmnopqrstuvwxyz.1234")
    assert "abcdef" not in repr(secret) and "abcdef" not in str(secret)
    assert "abcdef" not in f"{secret}"
    assert secret.masked().endswith("1234")
    config = load_config({"DISCORD_TOKEN": "abcdefghijklmnopqrstuvwxyz.1234"})
    assert all("abcdef" not in value for _, value in config.describe())
    assert "abcdef" not in repr(config)


def test_data_dir_and_relative_db_paths_become_absolute(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_config({"COPBOT_DATA_DIR": "here"}).database_path == tmp_path / "here" / "copbot.db"
    assert load_config({"COPBOT_DB": "rel/x.db"}).database_path == tmp_path / "rel" / "x.db"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"COPBOT__QUESTIONS__RATE_LIMT_COUNT": "3"},
            "COPBOT__QUESTIONS__RATE_LIMT_COUNT: section `questions` has no key `rate_limt_count` "
            "(did you mean `rate_limit_count`?).",
        ),
        (
            {"COPBOT__COMUNITY__NAME": "x"},
            "COPBOT__COMUNITY__NAME: there is no section `comunity` (did you mean `community`?).",
        ),
    ],
)
def test_unknown_environment_keys_are_refused_with_the_nearest_name(environ, message):
    with pytest.raises(ConfigError) as info:
        load_config(environ)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[comunity]\nname = "x"\n', "no section `comunity` (did you mean `community`?)"),
        ("[questions]\nrate_limt_count = 3\n", "no key `rate_limt_count` (did you mean `rate_limit_count`?)"),
        ("[zzz]\nq = 1\n", "no section `zzz` (known: bot, breakouts, community"),
        ('community = "x"\n', "`community` must be a section"),
    ],
)
def test_unknown_file_keys_are_refused_with_the_nearest_name(tmp_path: Path, text: str, fragment: str):
    mine = tmp_path / "mine.toml"
    mine.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config({"COPBOT_CONFIG": str(mine)})
    assert fragment in str(info.value) and str(mine) in str(info.value)


def test_every_default_section_is_known_without_a_second_list():
    """A section someone adds to default.toml is accepted at once (the schema is the file itself)."""
    import tomllib

    from bot.config import DEFAULT_CONFIG_FILE, check_known_keys

    defaults = tomllib.loads(DEFAULT_CONFIG_FILE.read_text(encoding="utf-8"))
    check_known_keys(defaults, defaults, "default.toml")
    check_known_keys({**defaults, "limits": {"a": 1}}, {"limits": {"a": 2}}, "x")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("QUESTIONS__MAX_LENGTH", "4000"),  # a 2,100-character question escapes to 4,200 > 4,096
        ("ICEBREAKERS__MAX_LENGTH", "400"),  # ten of them to a list page would pass 4,096
        ("COMMUNITY__NAME", '"' + "N" * 101 + '"'),
        ("COMMUNITY__PURPOSE", '"' + "word " * 300 + '"'),
    ],
)
def test_values_that_could_overflow_a_discord_post_are_refused_naming_the_key(key: str, value: str):
    with pytest.raises(ConfigError) as refused:
        load_config({f"COPBOT__{key}": value})
    name = key.lower().replace("__", ".")
    assert str(refused.value).startswith(f"{name} must be at most ") and "Discord's limits" in str(refused.value)


def test_the_largest_allowed_values_load():
    from bot.config import COMMUNITY_NAME_MAX, ICEBREAKERS_MAX_LENGTH, QUESTIONS_MAX_LENGTH

    config = load_config(
        {
            "COPBOT__QUESTIONS__MAX_LENGTH": str(QUESTIONS_MAX_LENGTH),
            "COPBOT__ICEBREAKERS__MAX_LENGTH": str(ICEBREAKERS_MAX_LENGTH),
            "COPBOT__COMMUNITY__NAME": '"' + "N" * COMMUNITY_NAME_MAX + '"',
        }
    )
    assert config.questions.max_length == QUESTIONS_MAX_LENGTH
