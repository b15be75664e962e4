"""The shared layer of the toolkit: what both commands (`tlm`, `wp`) and both libraries (`vectors`,
`tlm`) use, and nothing about models or word vectors.

- `errors`: the one user-error type (and its unknown-word kind, also a `KeyError`)
- `spelling`: close spellings of an unknown word, fast on large vocabularies
- `argtypes`: argparse types that validate every number and string at the edge
- `console`: standard output that survives closed pipes and full disks, ranked lists, JSON,
  evaluation tables and the progress bar
- `files`: reading inputs safely, checking outputs, atomic writes, one writer per file
- `signals`: Ctrl-C and SIGTERM as requests to stop at a safe point; `startup`: quiet while starting
- `resources`: how much memory a request may take
- `runner`: a command's `main(argv)`: exit codes and one-line errors
- `shell`: the interactive Python shell of `tlm generate --interact` and `wp shell`
"""
