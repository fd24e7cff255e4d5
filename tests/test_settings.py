"""The configuration contract: variable names, defaults and clear errors."""

from __future__ import annotations

import pytest

from config.settings import AFIP_URLS, ConfigurationError, Settings, load_settings


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("ENCOLA_REDIS_URL", "ENCOLA_ENV", "ENCOLA_AFIP", "ENCOLA_AFIP_WSAA_URL", "ENCOLA_AFIP_WSFE_URL",
                 "ENCOLA_AFIP_SIM_PORT", "PORT", "ENCOLA_MAX_ATTEMPTS", "ENCOLA_WEB_SECRET",
                 "ENCOLA_REDIS_DURABILITY", "ENCOLA_WEBHOOK_PRIVATE_NETWORKS", "ENCOLA_METRICS_TOKEN",
                 "ENCOLA_FLOWER_AUTH_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ENCOLA_ENV", "development")  # required; the test of its absence removes it
    return monkeypatch


def test_without_encola_env_nothing_starts_and_the_error_explains_both_values(clean_env):
    for unset in (None, ""):
        if unset is None:
            clean_env.delenv("ENCOLA_ENV")
        else:
            clean_env.setenv("ENCOLA_ENV", unset)
        with pytest.raises(ConfigurationError, match="ENCOLA_ENV is not set") as refused:
            load_settings()
        assert "production (a real deployment" in str(refused.value)
        assert "development (a developer's machine" in str(refused.value)


def test_defaults_in_development_are_the_local_simulator(clean_env):
    settings = load_settings()
    assert settings.env == "development" and settings.development
    assert settings.wsaa_url == "http://127.0.0.1:8085/ws/services/LoginCms"
    assert settings.wsfe_url == "http://127.0.0.1:8085/wsfev1/service.asmx"
    assert settings.port == 8000 and settings.max_attempts == 100
    assert settings.webhook_private_networks == ()
    assert settings.redis_durability == "check"


def test_a_missing_redis_url_is_explained(clean_env):
    with pytest.raises(ConfigurationError, match="ENCOLA_REDIS_URL is not set"):
        load_settings().require_redis_url()


def test_homologacion_and_produccion_use_afips_urls(clean_env):
    clean_env.setenv("ENCOLA_AFIP", "produccion")
    clean_env.setenv("ENCOLA_ENV", "production")
    settings = load_settings()
    assert (settings.wsaa_url, settings.wsfe_url) == AFIP_URLS["produccion"]
    assert settings.webhook_private_networks == ()


def test_explicit_urls_win(clean_env):
    clean_env.setenv("ENCOLA_AFIP_WSFE_URL", "http://afip.internal/wsfev1/service.asmx")
    assert load_settings().wsfe_url == "http://afip.internal/wsfev1/service.asmx"


@pytest.mark.parametrize("name,value,message", [
    ("ENCOLA_ENV", "staging", "ENCOLA_ENV must be development or production"),
    ("ENCOLA_AFIP", "mock", "ENCOLA_AFIP must be simulador, homologacion or produccion"),
    ("PORT", "eighty", "PORT must be a whole number"),
    ("ENCOLA_WEB_SECRET", "corto", "ENCOLA_WEB_SECRET must have at least 32 characters"),
    ("ENCOLA_REDIS_DURABILITY", "yolo", "ENCOLA_REDIS_DURABILITY must be check or accept-risk"),
    ("ENCOLA_WEBHOOK_PRIVATE_NETWORKS", "127.0.0.0/8,intranet",
     "ENCOLA_WEBHOOK_PRIVATE_NETWORKS must be addresses or networks separated by commas"),
    ("ENCOLA_FLOWER_AUTH_PROXY", "quizas", "ENCOLA_FLOWER_AUTH_PROXY must be true or false"),
    ("ENCOLA_PUBLIC_URL", "facturas.example.com", "ENCOLA_PUBLIC_URL must be the http\\(s\\) address"),
    ("ENCOLA_PUBLIC_URL", "ftp://facturas.example.com", "ENCOLA_PUBLIC_URL must be the http\\(s\\) address"),
    ("ENCOLA_PUBLIC_URL", "https://facturas.example.com/?a=1", "ENCOLA_PUBLIC_URL must be the http\\(s\\) address"),
    ("ENCOLA_DOCUMENT_LINK_SECONDS", "30", "ENCOLA_DOCUMENT_LINK_SECONDS must be at least 60"),
])
def test_bad_values_name_the_variable(clean_env, name, value, message):
    clean_env.setenv(name, value)
    with pytest.raises(ConfigurationError, match=message):
        load_settings()


@pytest.mark.parametrize("name,require", [
    ("ENCOLA_WEB_SECRET", Settings.require_web_secret),
    ("ENCOLA_METRICS_TOKEN", Settings.require_metrics_token),
])
def test_only_development_goes_without_a_secret(clean_env, name, require):
    assert require(load_settings()) is None
    clean_env.setenv("ENCOLA_ENV", "production")
    clean_env.setenv("ENCOLA_AFIP", "homologacion")
    with pytest.raises(ConfigurationError, match=f"production needs {name}"):
        require(load_settings())
    clean_env.setenv(name, "x" * 32)
    assert require(load_settings()) == "x" * 32


def test_document_links_start_with_the_public_address_which_only_development_may_leave_unset(clean_env):
    assert load_settings().require_public_url() == "http://127.0.0.1:8000"
    clean_env.setenv("ENCOLA_PUBLIC_URL", "https://facturas.example.com/")
    assert load_settings().require_public_url() == "https://facturas.example.com"
    clean_env.delenv("ENCOLA_PUBLIC_URL")
    clean_env.setenv("ENCOLA_ENV", "production")
    clean_env.setenv("ENCOLA_AFIP", "homologacion")
    assert load_settings().document_base_url is None
    with pytest.raises(ConfigurationError, match="production needs ENCOLA_PUBLIC_URL"):
        load_settings().require_public_url()


def test_production_refuses_the_simulator(clean_env):
    clean_env.setenv("ENCOLA_ENV", "production")
    with pytest.raises(ConfigurationError, match="production needs ENCOLA_AFIP"):
        load_settings()


def test_development_may_use_homologacion_but_never_afips_produccion(clean_env):
    clean_env.setenv("ENCOLA_AFIP", "homologacion")
    assert load_settings().afip_target == "homologacion"
    clean_env.setenv("ENCOLA_AFIP", "produccion")
    with pytest.raises(ConfigurationError, match="ENCOLA_AFIP=produccion needs ENCOLA_ENV=production"):
        load_settings()


def test_private_webhook_networks_are_the_operators_list(clean_env):
    clean_env.setenv("ENCOLA_WEBHOOK_PRIVATE_NETWORKS", " 127.0.0.0/8, ::1/128,10.20.0.0/16 ")
    assert [str(n) for n in load_settings().webhook_private_networks] == ["127.0.0.0/8", "::1/128", "10.20.0.0/16"]
