"""One module per verb of the CLI (cli.RECIPES). Each exposes `Config` (a frozen dataclass, every
field required), `load_config(path) -> Config` and `run(cfg, cancel) -> int`."""
