"""`wp` and `python -m wp` start here: a Ctrl-C during the imports exits quietly (status 130),
then the command runs."""

import sys

from tinylm.startup import quiet_interrupts


def main():
    restore = quiet_interrupts()
    from wp.cli import main as wp_main

    restore()
    sys.exit(wp_main())


if __name__ == "__main__":
    main()
