"""The word-vector library both commands use: a vocabulary with one vector per word and the
questions people ask of it, in plain numpy (no gensim or scipy on the query path).

- `word_vectors`: `WordVectors`, the words, their vectors and the similarity questions
- `store`: the on-disk format (float32 `.npy`, words one per line, a JSON manifest), memory-mapped
- `queries`: checked, user-level questions: neighbours, similarity, analogies, odd-one-out, repl lines
- `benchmarks`: WordSim353, SimLex-999 and the Google analogies (gensim's bundled test data)
- `maps`: 2-D PCA maps of words, as coordinates or as an image
- `directions`: pairs beside random pairs, relations as directions beside shuffled pairs, semantic axes
  (`direction_queries` asks them from typed text, `relation_sets` holds the Google analogy sections,
  `axis_plots` draws axes)

Leaves out where vectors come from (gensim-data names, files: `wp.models`; trained models: `tlm`).
"""
