"""Image models, one per file.  Each trains through ``model.loss(batch)``."""
