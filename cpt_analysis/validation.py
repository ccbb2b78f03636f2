"""The validators of notebook parameters, registered by the features that own them.

Each feature registers a function for the parameters it defines, where it defines them (as
papermill registers its translators): ``@register("year")`` over a function that takes the value
as given and returns it normalised, or raises WorkbookError with one line. A check over several
values at once (a locality against the year) registers with :func:`register_check`.
:func:`validate`, used by the runner and by each notebook's validation cell, knows no parameter
itself; a parameter no feature registered is passed through as given.
"""

from __future__ import annotations

from collections.abc import Callable

Validator = Callable[[object], object]
Check = Callable[[dict], None]

VALIDATORS: dict[str, Validator] = {}
CHECKS: dict[str, Check] = {}


def _qualified(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def register(*names: str) -> Callable[[Validator], Validator]:
    """Register the decorated function as the validator of the parameters ``names``.

    Registering the same function again (a module imported twice) changes nothing; another
    function for a name already taken raises ValueError, since two features cannot both own a
    parameter.
    """

    def add(fn: Validator) -> Validator:
        for name in names:
            owner = VALIDATORS.get(name)
            if owner is not None and _qualified(owner) != _qualified(fn):
                raise ValueError(f"parameter {name!r} is validated by {_qualified(owner)} already")
            VALIDATORS[name] = fn
        return fn

    return add


def register_check(fn: Check) -> Check:
    """Register the decorated function as a check over the validated values together.

    It receives the dict of every value given, already validated one by one, and raises
    WorkbookError for a bad combination. Checks run in the order they were registered.
    """
    CHECKS[_qualified(fn)] = fn
    return fn


def validate(**params: object) -> dict:
    """Return the parameters validated and normalised (codes as strings, years as ints).

    Each value goes through the validator registered for its name, then every registered check
    sees them together. Raises WorkbookError with one line for the first bad value.
    """
    out = {name: VALIDATORS.get(name, _as_given)(value) for name, value in params.items()}
    for check in CHECKS.values():
        check(out)
    return out


def _as_given(value: object) -> object:
    return value
