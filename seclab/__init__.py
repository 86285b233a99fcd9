"""Safer Python's helper library.

Importing this package prints nothing and loads nothing heavy; the lessons import
what they need from the submodules::

    from seclab.targets import injection
    from seclab.check import check
"""

__version__ = "0.1.0"
