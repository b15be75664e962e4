"""The command-line and file edge both commands (`tlm`, `wp`) share: where the checks of
docs/robustness.md live, and nothing about models or word vectors.

- `errors`: the one user-error type (and its unknown-word kind, also a `KeyError`)
- `argtypes`: argparse types that check every number and string as it is parsed
- `console`: standard output that survives closed pipes and full disks, ranked lists, JSON,
  evaluation tables and the progress bar
- `files`: reading inputs, checking outputs, atomic writes, one writer per file
- `signals`: Ctrl-C and SIGTERM as requests to stop at a safe point; `startup`: quiet while starting
- `resources`: how much memory a request may take
- `runner`: a command's `main(argv)`: exit codes and one-line errors
- `shell`: the interactive Python shell of `tlm generate --interact` and `wp shell`
"""
