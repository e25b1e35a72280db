"""Text models, one per file.  Each trains through ``model.loss(batch)``; sampling lives in ``sampling.py``."""
