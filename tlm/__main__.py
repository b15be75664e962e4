"""`tlm` and `python -m tlm` start here: a Ctrl-C during the imports exits quietly (status 130),
then the command runs."""

import sys

from tinylm.signals import quiet_startup


def main():
    with quiet_startup():
        from tlm.cli import main as tlm_main
    sys.exit(tlm_main())


if __name__ == "__main__":
    main()
