"""wp ("word play"): explore pretrained word embeddings (GloVe, through gensim's KeyedVectors)."""
