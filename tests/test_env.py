import pytest
from django.core.exceptions import ImproperlyConfigured

from htr_platform.env import env_choice, env_scales


@pytest.mark.parametrize("raw, expected", [("1", (1.0,)), ("1 0.8", (1.0, 0.8)), (" 1.0, 0.8 ,1.2", (1.0, 0.8, 1.2))])
def test_scales_are_read_separated_by_spaces_or_commas(monkeypatch, raw, expected):
    monkeypatch.setenv("READ_WIDTHS", raw)
    assert env_scales("READ_WIDTHS", (1.0,)) == expected


def test_scales_default_when_unset(monkeypatch):
    monkeypatch.delenv("READ_WIDTHS", raising=False)
    assert env_scales("READ_WIDTHS", (1.0, 0.8)) == (1.0, 0.8)


@pytest.mark.parametrize("raw, message", [("wide", "not a list of numbers"), ("", "positive"), ("1 0", "positive"),
                                          ("-1", "positive")])
def test_bad_scales_stop_start_up_with_the_variables_name(monkeypatch, raw, message):
    monkeypatch.setenv("READ_WIDTHS", raw)
    with pytest.raises(ImproperlyConfigured, match=f"READ_WIDTHS.*{message}"):
        env_scales("READ_WIDTHS", (1.0,))


def test_a_choice_is_one_of_its_values_or_its_default(monkeypatch):
    monkeypatch.delenv("CPU_BF16", raising=False)
    assert env_choice("CPU_BF16", "auto", ("auto", "0", "1")) == "auto"
    monkeypatch.setenv("CPU_BF16", "0")
    assert env_choice("CPU_BF16", "auto", ("auto", "0", "1")) == "0"
    monkeypatch.setenv("CPU_BF16", "yes")
    with pytest.raises(ImproperlyConfigured, match="CPU_BF16='yes' is not one of auto, 0, 1"):
        env_choice("CPU_BF16", "auto", ("auto", "0", "1"))
