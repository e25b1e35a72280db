"""Deprecated alias, kept for one release: notebook 6.4's recipe moved to ``aigc_lab.explain.comparison_recipe``."""
from ..explain.comparison_recipe import (COLUMNS, MODALITIES, comparison_settings, comparison_table,  # noqa: F401
                                         figures, reports_of)
