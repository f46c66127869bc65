"""The verb table and the exit-code contract at the command line (no training)."""
from __future__ import annotations

import subprocess
import sys

from conftest import events, trainer_env
from refinery_trainer.cli import RECIPES


def python(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=trainer_env(), timeout=120)


def test_help_lists_every_verb_without_loading_torch():
    proc = python("-m", "refinery_trainer", "--help")
    assert proc.returncode == 0, proc.stderr
    for verb, recipe in RECIPES.items():
        assert verb in proc.stdout and recipe.help in proc.stdout, verb
    # recipes are imported only when their verb runs, which keeps --help fast
    probe = python("-c", "import sys; from refinery_trainer.cli import build_parser; build_parser(); "
                         "print(sorted(m for m in ('torch', 'transformers', 'peft') if m in sys.modules))")
    assert probe.returncode == 0 and probe.stdout.strip() == "[]", probe.stdout + probe.stderr


def test_every_recipe_module_has_the_interface():
    import importlib

    for verb, recipe in RECIPES.items():
        module = importlib.import_module(recipe.module)
        assert all(callable(getattr(module, name, None)) for name in ("Config", "load_config", "run")), verb
        assert set(recipe.overrides) <= set(module.Config.__dataclass_fields__), verb


def test_bad_command_line_is_an_error_line_and_exit_2():
    proc = python("-m", "refinery_trainer", "no-such-verb")
    assert proc.returncode == 2
    (ev,) = events(proc.stdout)
    assert ev["event"] == "error" and ev["kind"] == "invalid_input" and "no-such-verb" in ev["message"]


def test_unreadable_config_is_an_error_line_and_exit_2(tmp_path):
    proc = python("-m", "refinery_trainer", "train", "--config", str(tmp_path / "missing.json"))
    assert proc.returncode == 2
    (ev,) = events(proc.stdout)
    assert ev["event"] == "error" and ev["kind"] == "invalid_input" and "cannot read" in ev["message"]


def test_the_last_line_reports_the_process_cpu_time(tmp_path):
    proc = python("-m", "refinery_trainer", "train", "--config", str(tmp_path / "missing.json"))
    error, usage = events(proc.stdout, with_usage=True)
    assert error["event"] == "error" and usage["event"] == "usage"
    # starting Python and importing the trainer takes measurable CPU; user + system add up
    assert usage["cpu_seconds"] > 0 and usage["max_rss_bytes"] > 1_000_000
    assert abs(usage["user_seconds"] + usage["system_seconds"] - usage["cpu_seconds"]) < 0.01
