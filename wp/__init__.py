"""wp ("word play"): explore pretrained word embeddings (GloVe and others) from the command line
and in the browser. `wp/models.py` finds and caches models, `wp/cli.py` is the command.
"""
