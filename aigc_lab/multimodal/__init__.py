"""Cross-modal models, one per file: they may import the text and image parts, never the other way round.

captions.py       a word tokenizer and GRU encoder for the shapes scenes' captions
clip.py           a CLIP-style contrastive image/caption model, InfoNCE and retrieval accuracy
text_to_image.py  a caption-conditioned VAE that draws "a red circle left of a blue square", and its judge
clip_recipe.py    the outlook notebook's recipe (as every ``<what it trains>_recipe.py``: typed settings per
                  profile, data, training): CLIP, the caption VAE and its judge on shapes scenes
"""
