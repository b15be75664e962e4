"""`wp` and `python -m wp` start here: a Ctrl-C during the imports exits quietly (status 130),
then the command runs."""

from tinylm.startup import finish, quiet_interrupts


def main():
    quiet_interrupts()  # until the command's runner installs its own handlers
    from wp.cli import main as wp_main

    finish(wp_main())


if __name__ == "__main__":
    main()
