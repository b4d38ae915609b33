# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Comma-separated lists, as the system parameters and the command line's options give them."""


def split(value):
    """The items of ``value`` in order, blanks around them dropped, empty ones too (None: none)."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]
