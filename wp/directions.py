"""The commands `wp pairs`, `wp relation` and `wp axis`: parse, ask `vectors.direction_queries`,
print (a table, a bar list, or --json), and draw --plot. `add_commands` puts them on wp's parser,
with wp's way of reading typed words in a model's own terms.

Leaves out the numbers (`vectors.directions`) and loading models (`wp.cli`). The library is
imported by the commands that use it, so that every other wp command starts without it.
"""

import sys
from functools import partial

from edge import argtypes, console, files
from edge.console import note, shown
from edge.figures import image_format

BAR = 20  # characters of the longest half-bar in `wp axis`


def _plot_target(args, loaded):
    """The checked --plot path and its image format, or (None, None) without --plot."""
    if not args.plot:
        return None, None
    fmt = image_format(args.plot)
    files.check_output(args.plot, inputs=[loaded.name], what="--plot")
    return args.plot, fmt


def _write_plot(path, draw):
    with files.exclusive(path, "--plot"):
        files.atomic_write(path, draw())
    sys.stdout.flush()  # the note comes after the results, also when both go to one pipe
    note(f"wp: wrote {path}")


def _pair(p):
    return f"{shown(p['a'])}:{shown(p['b'])}"


def _table(rows):
    """Rows of cells as left-aligned columns (the first) and right-aligned ones (the rest)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip())


# ---- pairs ----------------------------------------------------------------------------------------

def cmd_pairs(args, loaded, read):
    from vectors import direction_queries, directions

    answer = direction_queries.pairs(loaded.vectors, args.pairs, seed=args.seed, read=partial(read, loaded))
    if args.json:
        console.print_json(answer)
        return
    rows = [("pair", "cosine", "random", "± sd", "percentile")]
    rows += [(_pair(p), f"{p['cosine']:.4f}", f"{p['baseline']['mean']:.4f}", f"{p['baseline']['sd']:.4f}",
              f"{p['percentile']:.1f}") for p in answer["pairs"]]
    _table(rows)
    print(f"random: the mean cosine of {directions.BASELINE_DRAWS} random pairs of words as frequent as the pair's "
          f"(rank within x{directions.FREQUENCY_BAND:g}), seed {args.seed}; percentile: the share of them below the pair")


# ---- relation -------------------------------------------------------------------------------------

def cmd_relation(args, loaded, read):
    from vectors import direction_queries

    plot, fmt = _plot_target(args, loaded)
    answer = direction_queries.relation(loaded.vectors, args.pairs, set_name=args.set, seed=args.seed,
                                        read=partial(read, loaded))
    if answer["skipped"]:
        note(f"wp: skipped {len(answer['skipped'])} pairs with a word {loaded.name} lacks: "
             f"{' '.join(_pair(p) for p in answer['skipped'])}")
    if args.json:
        console.print_json(answer)
    else:
        _print_relation(answer)
    if plot:
        from vectors.maps import word_map

        wv = loaded.vectors
        pairs = [(p["a"], p["b"]) for p in answer["pairs"]]
        words = list(dict.fromkeys(w for pair in pairs for w in pair))
        title = f"{loaded.name}: {answer['set'] or 'relation'}, {len(pairs)} pairs (PCA of their words)"
        _write_plot(plot, lambda: word_map(words, wv.unit[wv.rows(words)], fmt, title=title, arrows=pairs))


def _print_relation(answer):
    pairs = answer["pairs"]
    _table([("pair", "consistency", "rank of b")] +
           [(_pair(p), f"{p['consistency']:.4f}", str(p["rank"])) for p in pairs])
    s = answer["shuffled"]
    print(f"consistency {answer['consistency']:.4f}: mean cosine of each pair's b - a with the mean offset of the "
          f"other pairs")
    print(f"shuffled    {s['mean']:.4f} ± {s['sd']:.4f}: the same for {s['shuffles']} shuffles of the pairs "
          f"(seed {answer['seed']}); the real pairs beat {answer['percentile']:.1f}% of them")
    print(f"a + (mean offset of the others) is nearest to b for {answer['hits']} of {len(pairs)} pairs "
          f"(rank 1; a itself excluded)")


# ---- axis -----------------------------------------------------------------------------------------

def cmd_axis(args, loaded, read):
    from vectors import direction_queries

    plot, fmt = _plot_target(args, loaded)
    axes = ([args.pairs] if args.pairs else []) + (args.axis or [])
    answer = direction_queries.axes(loaded.vectors, axes, words=args.words or (), read=partial(read, loaded))
    if args.json:
        console.print_json(answer)
    else:
        _print_axes(answer)
    if plot:
        from vectors import axis_plots

        words = [w["word"] for w in answer["words"]]
        values = list(zip(*[w["positions"] for w in answer["words"]]))
        labels = [a["label"] for a in answer["axes"]]
        if len(labels) == 1:
            _write_plot(plot, lambda: axis_plots.axis_bars(words, values[0], labels[0], fmt))
        else:
            _write_plot(plot, lambda: axis_plots.axes_scatter(words, values[0], values[1], labels, fmt))


def _print_axes(answer):
    for i, axis in enumerate(answer["axes"], start=1):
        print(f"axis {i}: {shown(axis['label'])}  (mean direction of {' '.join(_pair(p) for p in axis['pairs'])})")
    words = sorted(answer["words"], key=lambda w: w["positions"][0])
    if len(answer["axes"]) == 1:
        _bars([(w["word"], w["positions"][0]) for w in words])
        return
    _table([("word", "axis 1", "axis 2")] + [(shown(w["word"]), *(f"{p:+.4f}" for p in w["positions"])) for w in words])
    print(f"cosine between the two axes: {answer['axes_cosine']:+.4f}")


def _bars(placed):
    """word  +0.1234  ....|####: a bar left of the bar for the first end, right for the second."""
    width = max(len(shown(w)) for w, _ in placed)
    scale = max(abs(v) for _, v in placed) or 1
    for word, v in placed:
        n = round(BAR * abs(v) / scale)
        left, right = ("#" * n if v < 0 else "").rjust(BAR), "#" * n if v > 0 else ""
        print(f"{shown(word):<{width}}  {v:+.4f}  {left}|{right}".rstrip())


# ---- the parser -----------------------------------------------------------------------------------

def add_commands(command, read):
    """Add pairs, relation and axis with `command(name, func, help)` (wp.cli's, which adds --model
    and --json and returns the subparser); `read(loaded, words)` gives the typed words in the model's
    own terms (wp.cli's, which notes each word a tlm model's transforms change)."""
    pair = argtypes.word
    p = command("pairs", partial(cmd_pairs, read=read),
                "cosine of word pairs beside random pairs of words of similar frequency")
    p.add_argument("pairs", nargs="+", type=pair, metavar="A:B")
    p.add_argument("--seed", type=argtypes.integer(0, 2**32 - 1), default=0, help="of the random pairs (default: 0)")

    p = command("relation", partial(cmd_relation, read=read),
                "is a relation a direction? consistency of the offsets b - a of pairs beside shuffled pairs")
    p.add_argument("pairs", nargs="*", type=pair, metavar="A:B")
    p.add_argument("--set", metavar="NAME", type=argtypes.text(max_length=100),
                   help="a section of the Google analogies, e.g. capital-common-countries, family, gram7-past-tense")
    p.add_argument("--seed", type=argtypes.integer(0, 2**32 - 1), default=0, help="of the shuffles (default: 0)")
    p.add_argument("--plot", type=argtypes.path, metavar="FILE",
                   help="draw the pairs' words (PCA) with arrows a -> b (PNG, SVG or PDF)")

    p = command("axis", partial(cmd_axis, read=read),
                "place words along the direction from A to B of opposed pairs A:B (two --axis: a scatter)")
    p.add_argument("pairs", nargs="*", type=pair, metavar="A:B")
    p.add_argument("--axis", nargs="+", action="append", type=pair, metavar="A:B",
                   help="the pairs of an axis (instead of, or beside, the pairs before it); give it twice for two")
    p.add_argument("--words", nargs="+", type=argtypes.word, metavar="WORD",
                   help="the words to place (default: the pairs' words)")
    p.add_argument("--plot", type=argtypes.path, metavar="FILE",
                   help="bars for one axis, a scatter for two (PNG, SVG or PDF)")
