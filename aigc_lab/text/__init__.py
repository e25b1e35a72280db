"""Text models, one per file.  Each trains through ``model.loss(batch)``; sampling lives in ``sampling.py``.

Recipes are named ``<what it trains>_recipe.py`` (typed settings per profile, data, training), shared by
notebooks, benchmarks and the CLI: ``scaling_recipe.py`` trains the outlook notebook's family of GPTs.
"""
