"""Video models, one per file.

Recipes: ``<what it trains>_recipe.py`` holds a notebook's recipe, shared by the notebook, the benchmark
(``aigc_lab/benchmarks/``, which only measures) and the CLI: its settings per profile as a typed dataclass
(``aigc_lab.settings.Settings``, also readable as ``s["name"]``), a ``*settings()`` function that fills them in
for the active profile, and the functions that prepare the data and build and train the model.

classification_recipe.py  notebook 5.1: the frame-averaged 2D CNN and the (2+1)D CNN
prediction_recipe.py      notebook 5.2: the ConvLSTM next-frame predictor
generation_recipe.py      notebook 5.3: the conditional space-time VAE and its motion judge
pix2pix_recipe.py         notebook 5.4: pix2pix and the L1-only generator
cyclegan_recipe.py        notebook 5.5: the CycleGAN, its domain judge and the flicker test
"""
