"""Config parsing shared by every recipe: a JSON object -> the recipe's frozen dataclass.

The TypeScript worker validates and completes the config, so this side holds no defaults:
every dataclass field is required in the JSON (a nullable one must be present; its value may be
null). The accepted types are read from the dataclass annotations, so each recipe states its
schema once; the recipe then checks ranges and paths itself. Every problem is reported at once
as `field: reason`, so the caller can fix them all in one go.
"""
from __future__ import annotations

import json
import types
import typing
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar

from .errors import InvalidInput

T = TypeVar("T")
_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", tuple: "a list", bool: "a boolean",
               type(None): "null"}


class ConfigError(InvalidInput):
    """Invalid config; `problems` holds one "field: reason" string per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid config: " + "; ".join(problems))


def read_json(path: str | Path) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError([f"(file): cannot read {path}: {e.strerror}"]) from e
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError([f"(file): {path} is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"]) from e


def parse(raw: Any, cls: type[T]) -> T:
    """Builds `cls` from a JSON object: unknown, missing and mistyped fields (nested dataclasses
    included) are all reported together. JSON lists become tuples, integers given for float
    fields become floats."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise ConfigError(["(root): must be a JSON object"])
    value = _build(raw, cls, "", problems)
    if problems:
        raise ConfigError(problems)
    return value


def _build(raw: dict, cls: type, prefix: str, problems: list[str]) -> Any:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    for key in raw:
        if key not in hints:
            problems.append(f"{prefix}{key}: unknown field (allowed: {', '.join(sorted(names))})")
    values = {}
    for name in names:
        where = prefix + name
        if name not in raw:
            problems.append(f"{where}: required")
        elif is_dataclass(hints[name]):
            if isinstance(raw[name], dict):
                values[name] = _build(raw[name], hints[name], where + ".", problems)
            else:
                problems.append(f"{where}: must be an object, got {json.dumps(raw[name])}")
        else:
            values[name] = _convert(raw[name], hints[name], where, problems)
    return cls(**values) if len(values) == len(names) else None  # incomplete: parse() raises anyway


def _convert(value: Any, hint: Any, where: str, problems: list[str]) -> Any:
    options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    kinds = [typing.get_origin(o) or o for o in options]  # tuple[str, ...] -> tuple
    if bool in kinds and isinstance(value, bool):  # a flag takes true/false only (never 0/1)
        return value
    if not isinstance(value, bool):  # bool is an int subclass; never accept it as a number
        for kind in kinds:
            if value is None and kind is type(None):
                return None
            if kind in (str, int) and isinstance(value, kind):
                return value
            if kind is float and isinstance(value, (int, float)):
                return float(value)
            if kind is tuple and isinstance(value, list):  # the recipe checks the elements (better messages)
                return tuple(value)
    names = list(dict.fromkeys(_TYPE_NAMES[k] for k in kinds))
    if "a number" in names and "an integer" in names:
        names.remove("an integer")
    problems.append(f"{where}: must be {' or '.join(names)}, got {json.dumps(value)}")
    return None


def local_path(uri: str) -> Path:
    """A config path that may be written as file://..."""
    return Path(uri[len("file://"):] if uri.startswith("file://") else uri)


def load_checked(path: str | Path, cls: type[T], problems_of) -> T:
    """Reads a recipe's config file into `cls`, then runs the recipe's own checks (ranges, paths):
    every problem of either kind is reported at once."""
    cfg = parse(read_json(path), cls)
    problems = problems_of(cfg)
    if problems:
        raise ConfigError(problems)
    return cfg


def device_problem(device: str) -> str | None:
    """The `device` field's check, shared by every recipe: auto, cpu, cuda or cuda:N."""
    if device in ("auto", "cpu") or device.startswith("cuda"):
        return None
    return f"device: must be \"auto\", \"cpu\", \"cuda\" or \"cuda:N\", got {json.dumps(device)}"
