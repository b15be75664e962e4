"""`tlm` and `python -m tlm` start here: a Ctrl-C during the imports exits quietly (status 130),
then the command runs."""

import sys

from tinylm.startup import quiet_interrupts


def main():
    restore = quiet_interrupts()
    from tlm.cli import main as tlm_main

    restore()
    sys.exit(tlm_main())


if __name__ == "__main__":
    main()
