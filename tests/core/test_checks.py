import pytest

from course_lib.core import checks


def test_verdict_prints_and_raises_only_when_strict(capsys, monkeypatch):
    monkeypatch.setenv(checks.STRICT_VAR, "1")
    checks.at_least("loss fell", 2.0, 1.0)
    assert "[MET] loss fell (2 vs 1 needed)" in capsys.readouterr().out
    with pytest.raises(checks.ClaimNotMet, match="NOT MET"):
        checks.below("beats unigram", 7.0, 6.5, " nats")
    monkeypatch.setenv(checks.STRICT_VAR, "0")
    assert checks.verdict("a learner's run", False, "why") is None  # said, not raised
    assert "[NOT MET] a learner's run (why)" in capsys.readouterr().out


def test_verdict_refuses_an_empty_claim():
    with pytest.raises(ValueError, match="claim"):
        checks.verdict("", True)
