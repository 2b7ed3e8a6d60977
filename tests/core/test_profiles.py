"""Profiles: chosen by COURSE_PROFILE, unknown names are a clear error, sizes grow smoke < cpu."""

import pytest

from course_lib.core.profiles import ENV_VAR, PROFILES, default_profile_name, get_profile


def test_env_var_picks_the_profile(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "cpu")
    assert get_profile().name == "cpu"
    monkeypatch.setenv(ENV_VAR, " Smoke ")
    assert get_profile().name == "smoke"


def test_argument_wins_over_env(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "cpu")
    assert get_profile("smoke").name == "smoke"


def test_default_without_env_follows_the_hardware(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert get_profile().name == default_profile_name() in ("cpu", "gpu")


def test_unknown_profile_lists_the_valid_ones(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "laptop")
    with pytest.raises(ValueError, match="'laptop'.*cpu, gpu, smoke"):
        get_profile()


def test_profiles_are_ordered_by_size():
    smoke, cpu, gpu = PROFILES["smoke"], PROFILES["cpu"], PROFILES["gpu"]
    for field in ("mlm_steps", "simclr_epochs", "wordpiece_vocab_size"):
        assert getattr(smoke, field) <= getattr(cpu, field) <= getattr(gpu, field), field
    assert len(smoke.label_counts) <= len(cpu.label_counts) <= len(gpu.label_counts)
