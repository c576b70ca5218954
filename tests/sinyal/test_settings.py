from pathlib import Path

import pytest

from sinyal.settings import SettingsError, load_settings


def test_defaults_use_embedded_sqlite_in_data_dir(clean_env: Path) -> None:
    settings = load_settings()
    assert settings.database.get_backend_name() == "sqlite"
    assert settings.database.database == str(settings.data_path / "sinyal.db")
    assert settings.rasa_port == 5005 and settings.actions_port == 5055


def test_database_url_env_wins_and_gets_psycopg_driver(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://sinyal:pw@db.internal:5433/leads")
    url = load_settings().database
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port, url.database) == ("db.internal", 5433, "leads")


def test_bad_port_is_one_line_naming_the_setting(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SINYAL_RASA_PORT", "fifty")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "SINYAL_RASA_PORT" in message and "'fifty'" in message
    assert "\n" not in message


def test_unsupported_database_is_refused(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/x")
    with pytest.raises(SettingsError, match=r"SINYAL_DATABASE_URL.*sqlite:// and postgresql://"):
        load_settings()


def test_settings_file_is_read_and_env_overrides_it(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_env / "sinyal.yml").write_text("rasa_port: 6000\nactions_port: 6001\n")
    monkeypatch.setenv("SINYAL_ACTIONS_PORT", "7001")
    settings = load_settings()
    assert settings.rasa_port == 6000
    assert settings.actions_port == 7001


def test_secret_in_settings_file_is_refused(clean_env: Path) -> None:
    (clean_env / "sinyal.yml").write_text("telegram_bot_token: '123:abc'\n")
    with pytest.raises(SettingsError, match="telegram_bot_token is a secret"):
        load_settings()


def test_secret_from_env_is_hidden_in_repr(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:very-secret")
    settings = load_settings()
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123456:very-secret"
    assert "very-secret" not in repr(settings)


def test_unknown_key_in_settings_file_is_named(clean_env: Path) -> None:
    (clean_env / "sinyal.yml").write_text("rasa_prot: 6000\n")
    with pytest.raises(SettingsError, match="'rasa_prot' is not a known setting"):
        load_settings()


def test_settings_file_that_is_not_a_mapping(clean_env: Path) -> None:
    (clean_env / "sinyal.yml").write_text("- just\n- a list\n")
    with pytest.raises(SettingsError, match="expected a mapping"):
        load_settings()


def test_missing_explicit_settings_file(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINYAL_SETTINGS_FILE", str(clean_env / "nope.yml"))
    with pytest.raises(SettingsError, match=r"nope\.yml does not exist"):
        load_settings()


def test_phone_region_follows_the_chat_language(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings()
    assert (settings.phone_region_for("id"), settings.phone_region_for("en")) == ("ID", "DE")
    (clean_env / "sinyal.yml").write_text("phone_region_by_language: {id: indonesia}\n")
    with pytest.raises(SettingsError, match=r"SINYAL_PHONE_REGION_BY_LANGUAGE.*two-letter"):
        load_settings()


def test_several_rasa_servers_need_shared_conversations(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SINYAL_RASA_SERVERS", "2")
    with pytest.raises(SettingsError, match=r"rasa_servers > 1 needs the Redis lock store"):
        load_settings()
    monkeypatch.setenv("SINYAL_REDIS_URL", "redis://127.0.0.1:6379/0")
    with pytest.raises(SettingsError, match=r"needs the tracker store on PostgreSQL"):
        load_settings()
    monkeypatch.setenv("SINYAL_TRACKER_DATABASE_URL", "postgresql://rasa@db.example/chats")
    settings = load_settings(rasa_port=6000)
    assert settings.rasa_urls == ["http://127.0.0.1:6000", "http://127.0.0.1:6001"]
    monkeypatch.setenv("SINYAL_RASA_SERVER_URLS", '["http://10.0.0.7:5005/", "ftp://x"]')
    with pytest.raises(SettingsError, match=r"SINYAL_RASA_SERVER_URLS.*ftp://x"):
        load_settings()
