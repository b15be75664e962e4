"""`wp` and `python -m wp` start here: a Ctrl-C during the imports exits quietly (status
130), then the command runs (`edge.startup`)."""

from edge.startup import entry_point

main = entry_point("wp.cli")

if __name__ == "__main__":
    main()
