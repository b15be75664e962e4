"""`wp` and `python -m wp` start here: a Ctrl-C during the imports exits quietly (status 130),
then the command runs."""

import sys

from tinylm.startup import quiet_interrupts


def main():
    quiet_interrupts()  # until the command's runner installs its own handlers
    from wp.cli import main as wp_main

    sys.exit(wp_main())


if __name__ == "__main__":
    main()
