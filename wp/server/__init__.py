"""`wp serve`: a local web page to explore word vectors, pretrained and your own, side by side.

- `catalog`: the models a server answers from, prepared once at start-up
- `app`: the JSON API (GET only) and the static page that uses it
- `running`: the listening socket, uvicorn on it, and the browser
- `static/`: the page itself (plain HTML, CSS and JavaScript; no build step)

Leaves out loading models (`wp.models`) and the command line (`wp.cli`).
"""
