"""`python -m refinery_trainer <verb> --config cfg.json`: one GPU job runner, one recipe per verb.

Exit codes, the same for every verb: 0 done; 1 unexpected error; 2 invalid input (config, data,
base model, checkpoint, command line); 143 cancelled by SIGTERM (130 by SIGINT). Every outcome but
a hard kill ends with a `done`, `cancelled` or `error` line on stdout: recipes emit the first two,
this module the third; then this module adds a `usage` line (the process's CPU time).

A new stage adds a module under recipes/ (see recipes/__init__.py) and a row to RECIPES.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import resource
import sys
import traceback
from typing import NamedTuple

from . import tracing
from .cancellation import Cancellation
from .errors import InvalidInput
from .progress import claim_stdout, emit, log

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2


class Recipe(NamedTuple):
    module: str  # imported only when its verb runs, so --help never loads torch
    help: str
    overrides: dict[str, str]  # config field -> help of the --flag that replaces its value


RECIPES: dict[str, Recipe] = {
    "train": Recipe("refinery_trainer.recipes.lora_sft", "LoRA fine-tune a base model",
                    {"resume_from": "checkpoint dir or 'latest'; overrides the config's resume_from"}),
    "dpo": Recipe("refinery_trainer.recipes.lora_dpo", "LoRA DPO: learn to prefer chosen over rejected answers",
                  {"resume_from": "checkpoint dir or 'latest'; overrides the config's resume_from"}),
    "merge": Recipe("refinery_trainer.recipes.merge", "fold a LoRA adapter into its base model", {}),
    "quantize": Recipe("refinery_trainer.recipes.quantize", "export a HF model to GGUF with llama.cpp", {}),
    "evaluate": Recipe("refinery_trainer.recipes.evaluate", "score base, merged and GGUF models", {}),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # a bad command line is invalid input too: the protocol still gets its line
        self.print_usage(sys.stderr)
        emit("error", message=f"command line: {message}", kind="invalid_input")
        raise SystemExit(EXIT_INVALID)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="refinery_trainer",
                     description="Refinery GPU job runner: JSON config in, JSON lines on stdout (see PROTOCOL.md)")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for verb, recipe in RECIPES.items():
        sub = verbs.add_parser(verb, help=recipe.help, description=recipe.help)
        sub.add_argument("--config", required=True, help="path to the JSON config (every field required; PROTOCOL.md)")
        for field, help_text in recipe.overrides.items():
            sub.add_argument("--" + field.replace("_", "-"), dest=field, help=help_text)
    return parser


def run_recipe(recipe: Recipe, args: argparse.Namespace) -> int:
    cancel = Cancellation().install()  # before the slow imports, so an early SIGTERM is honoured
    try:
        module = importlib.import_module(recipe.module)
        cfg = module.load_config(args.config)
        given = {field: getattr(args, field) for field in recipe.overrides if getattr(args, field) is not None}
        return module.run(dataclasses.replace(cfg, **given), cancel)
    except InvalidInput as e:
        emit("error", message=str(e), kind="invalid_input")
        log(str(e))
        return EXIT_INVALID
    except Exception as e:  # noqa: BLE001 - the protocol must end with an error line, whatever happened
        traceback.print_exc(file=sys.stderr)
        emit("error", message=f"{type(e).__name__}: {e}", kind="runtime")
        return EXIT_ERROR


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    claim_stdout()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # avoid fork warnings from tokenizers
    # A span for the verb under the GPU worker's (TRACEPARENT), when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    try:
        with tracing.verb_span(args.verb):
            code = run_recipe(RECIPES[args.verb], args)
            tracing.record_exit(code)
            return code
    finally:
        emit_usage()


def emit_usage() -> None:
    """The last line: CPU time of this process (all its threads) and of its waited-for children
    (llama.cpp tools), for the worker's cost accounting. A SIGKILL leaves it out: unmeasured."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = own.ru_utime + children.ru_utime, own.ru_stime + children.ru_stime
    emit("usage", cpu_seconds=round(user + system, 3), user_seconds=round(user, 3), system_seconds=round(system, 3),
         max_rss_bytes=max(own.ru_maxrss, children.ru_maxrss) * 1024)  # ru_maxrss is in KiB on Linux
