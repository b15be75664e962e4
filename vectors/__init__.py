"""The word-vector library both commands use: a vocabulary with one vector per word and the
questions people ask of it, in plain numpy (no gensim or scipy on the query path).

- `word_vectors`: `WordVectors`, the words, their vectors and the similarity questions
- `formats`: reading word2vec and GloVe files (text, binary, gzipped), every row checked
- `store`: the on-disk format (float32 `.npy`, words one per line, a JSON manifest), memory-mapped
- `queries`: checked, user-level questions: neighbours, similarity, analogies, odd-one-out, repl lines;
  ranked answers as the commands show them
- `benchmarks`: WordSim353, SimLex-999 and the Google analogies (gensim's bundled test data), and
  their results as a table
- `maps`: 2-D PCA maps of words, as coordinates or as an image, with an analogy's arrows
- `spelling`: composed Unicode forms, and close spellings of a word outside a vocabulary
- `completion`: the words that start with a typed prefix
- `directions`: pairs beside random pairs, relations as directions beside shuffled pairs, semantic axes
  (`direction_queries` asks them from typed text, `relation_sets` holds the Google analogy sections,
  `axis_plots` draws axes)
- `figures`: a matplotlib figure as image bytes, and the image format a file name asks for

Leaves out where vectors come from (gensim-data names, files: `wp.models`; trained models: `tlm`).
"""
