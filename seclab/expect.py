"""``with expect_error(): ...`` shows an expected exception without stopping "Run All"."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class NoErrorRaised(AssertionError):
    """The block was expected to fail, and did not: the lesson's claim no longer holds."""


@contextmanager
def expect_error(*expected: type[BaseException]) -> Iterator[None]:
    """Print the (expected) exception raised in the block as one line and go on.

    With exception types given, anything else propagates; a block that raises nothing
    fails with NoErrorRaised, so a lesson cannot silently stop demonstrating a failure.
    """
    kinds = expected or (Exception,)
    try:
        yield
    except kinds as error:
        print(f"{type(error).__name__}: {error}  (expected)")
    else:
        raise NoErrorRaised(f"expected {' or '.join(k.__name__ for k in kinds)}, but nothing was raised")
