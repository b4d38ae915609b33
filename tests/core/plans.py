# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plans for the core's tests, built as a run builds them."""

from module_auto_update.core import compare, plan


def build_plan(*, forced=(), ignore=(), **inputs):
    """``plan.build_plan(plan.PlanInputs(**inputs))``; without ``reasons``, those of ``current`` against ``saved``
    (``compare.changed_reasons``, with ``forced`` and ``ignore``), as the inspection gives them."""
    if "reasons" not in inputs:
        inputs["reasons"] = compare.changed_reasons(inputs["current"], inputs["saved"], forced, ignore)
    return plan.build_plan(plan.PlanInputs(**inputs))
