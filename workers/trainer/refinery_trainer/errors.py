"""The failure kind the protocol distinguishes from a crash.

Every error a user can fix by changing the input (config, dataset, base model, checkpoint)
derives from InvalidInput: cli.py reports it as `error` kind `invalid_input` and exits 2, so
the worker does not retry. Any other exception is a runtime failure (exit 1). Kept free of
heavy imports: cli.py needs it before any recipe is loaded.
"""


class InvalidInput(ValueError):
    """Wrong input; retrying won't help. The message names the field or file and the problem."""
