"""Configuration layers and validation: defaults, then COPBOT_CONFIG, then environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Secret, load_config


def test_defaults_load_and_database_defaults_under_data_dir():
    config = load_config({})
    assert config.database_path == Path("data") / "copbot.db"
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
