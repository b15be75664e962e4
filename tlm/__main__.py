"""`tlm` and `python -m tlm` start here: a Ctrl-C during the imports exits quietly (status 130),
then the command runs."""

import sys

from tinylm.startup import quiet_interrupts


def main():
    quiet_interrupts()  # until the command's runner installs its own handlers
    from tlm.cli import main as tlm_main

    sys.exit(tlm_main())


if __name__ == "__main__":
    main()
