"""TinyLM: a tiny next-word language model trained from scratch with numpy.

The model averages the embeddings of the context words, multiplies by an output matrix, adds a
bias and takes a softmax. See `tlm/model.py` for the lesson itself; `tlm/cli.py` is the command.
Importing the package imports nothing else, so that `tlm` starts quickly.
"""
