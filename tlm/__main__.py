"""`tlm` and `python -m tlm` start here: a Ctrl-C during the imports exits quietly (status
130), then the command runs (`tinylm.startup`)."""

from tinylm.startup import entry_point

main = entry_point("tlm.cli")

if __name__ == "__main__":
    main()
