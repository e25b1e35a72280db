"""Scripts the notebooks launch in separate processes (``torchrun ... -m aigc_lab.recipes.NAME``)."""
