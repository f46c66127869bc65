"""`python -m refinery_trainer train --config cfg.json`

Exit codes: 0 done; 1 unexpected error; 2 invalid config, data or base model;
143 cancelled by SIGTERM (130 by SIGINT). Every outcome but a hard kill ends with a
`done`, `cancelled` or `error` line on stdout.
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback

from .cancellation import Cancellation
from .config import ConfigError, load_config
from .data import DataError
from .model_source import ModelSourceError
from .progress import claim_stdout, emit, log

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2


def _train(args: argparse.Namespace) -> int:
    cancel = Cancellation().install()  # before the slow imports, so an early SIGTERM is honoured
    try:
        cfg = load_config(args.config)
        if args.resume_from:
            from dataclasses import replace

            cfg = replace(cfg, resume_from=args.resume_from)
        from .lora_recipe import run  # heavy imports (torch, transformers) only once the config is valid

        return run(cfg, cancel)
    except (ConfigError, DataError, ModelSourceError) as e:
        emit("error", message=str(e), kind="invalid_input")
        log(str(e))
        return EXIT_INVALID
    except Exception as e:  # noqa: BLE001 - the protocol must end with an error line, whatever happened
        traceback.print_exc(file=sys.stderr)
        emit("error", message=f"{type(e).__name__}: {e}", kind="runtime")
        return EXIT_ERROR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="refinery_trainer", description="Refinery LoRA trainer")
    sub = parser.add_subparsers(dest="verb", required=True)
    train = sub.add_parser("train", help="LoRA fine-tune a base model (JSON lines on stdout)")
    train.add_argument("--config", required=True, help="path to the JSON training config (see PROTOCOL.md)")
    train.add_argument("--resume-from", help="checkpoint dir or 'latest'; overrides the config's resume_from")
    args = parser.parse_args(argv)
    claim_stdout()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # avoid fork warnings from tokenizers
    if args.verb == "train":
        return _train(args)
    return EXIT_ERROR
