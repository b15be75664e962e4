"""The command-line and file edge both commands (`tlm`, `wp`) share: where the checks of
docs/robustness.md live (argument types, one-line errors and exit statuses, signals, standard
output that survives closed pipes, safe file writes, memory checks), and the interactive shell.
Nothing about models or word vectors; docs/architecture.md lists the modules.
"""
