"""Image models, one per file.  Each trains through ``model.loss(batch)``.

Recipes: ``<what it trains>_recipe.py`` holds a notebook's recipe, shared by the notebook, the benchmark
(``aigc_lab/benchmarks/``, which only measures) and the CLI: its settings per profile as a typed dataclass
(``aigc_lab.settings.Settings``, also readable as ``s["name"]``), a ``*settings()`` function that fills them in
for the active profile, and the functions that prepare the data and build and train the model.

classification_recipe.py  notebook 3.1: classical models and four networks on digits, a ResNet on shapes
vae_recipe.py             notebook 3.2: the convolutional VAE on binarised digits
gan_recipe.py             notebook 3.3: the conditional DCGAN and the small StyleGAN
diffusion_recipe.py       notebook 3.4: the class-conditional DDPM
detection_recipe.py       notebook 3.5: CenterNet and the two-stage detector
segmentation_recipe.py    notebook 3.6: the U-Net
style_recipe.py           notebook 3.7: the TinyVGG feature net and the AdaIN decoder
"""
