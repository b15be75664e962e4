"""The web API of `wp serve` and the page that uses it.

JSON over GET under `/api/`: models, completion, neighbours, similarity, analogies, odd-one-out,
map coordinates, directions (pairs, relations, axes), and for tlm models next-word predictions,
samples, the training history and journey, and one prediction explained.
Answers round scores to 6 decimals, as the commands' `--json` output does, so both agree.

A tlm model answers its vector questions with the vectors a request names (`vectors=E|W|E+W`), by
default the server's `--vectors`; a model with one vector per word takes no such choice. A tlm model
reads every word a question names through its tokenizer transforms (`Served.query_words`: `King` is
`king` to a `-t lower` model), as `wp` does, and the answer gives the words as it read them.

Every query parameter is checked before any work: its type, its range, the length of every word
and list, and that it is one this endpoint takes, given once (a list parameter may repeat). A bad
one is answered 400 `{"error": message}`; a word outside a model's vocabulary 404 `{"error",
"word", "suggestions", "folded"}`. No request can name a file: the page comes from the fixed `static/`
folder and Plotly's script from the installed `plotly` package.

Leaves out loading models (`wp.models`, `wp.server.catalog`) and running the server (`running`).
"""

import importlib.util
import json
from pathlib import Path
from typing import Annotated, Literal, get_origin

import numpy as np
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BeforeValidator
from starlette.exceptions import HTTPException

from edge.console import finite
from edge.errors import UnknownWordError, UserError
from tlm import choice, explain, replay
from tlm.tokenizer import detokenize, tokenize
from tlm.vocabulary import FoldedWordError
from vectors import direction_queries, queries, relation_sets
from vectors.maps import word_points
from vectors.word_vectors import WordVectors
from wp.server import catalog

STATIC = Path(__file__).resolve().parent / "static"
MAX_WORD = 100  # characters in a word (close spellings are not looked for beyond it either)
MAX_N = 100  # neighbours, answers, completions, predictions
MAX_WORDS = 101  # words in a list: a map of a word and 100 neighbours
MAX_TEXT = 1000  # characters in a context or prompt
MAX_LENGTH = 200  # tokens sampled
MAX_TEMPERATURE = 100.0  # far flatter than uniform-looking already
MAX_SEED = 2**32 - 1
DECIMALS = 6  # as the commands' --json output

Word = Annotated[str, Query(min_length=1, max_length=MAX_WORD, description="a word of the model's vocabulary")]
Words = Annotated[list[Annotated[str, Query(min_length=1, max_length=MAX_WORD)]],
                  Query(min_length=1, max_length=MAX_WORDS, description="repeat: word=a&word=b&...")]
Count = Annotated[int, Query(ge=1, le=MAX_N)]
MAX_PAIRS = 50  # typed pairs of a relation or an axis (a relation ranks each b among all words)
Pairs = Annotated[list[Annotated[str, Query(min_length=1, max_length=2 * MAX_WORD + 1)]],
                  Query(max_length=MAX_PAIRS, description="repeat: pair=a:b&pair=c:d&...")]
Seed = Annotated[int, Query(ge=0, le=2**32 - 1)]


class JSONAnswer(JSONResponse):
    """JSON whose non-finite numbers are null (JSON has no NaN), so no answer fails to encode."""

    def render(self, content):
        return json.dumps(finite(content), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _plotly_script():
    """Plotly's JavaScript bundle inside the installed `plotly` package (found without importing it)."""
    spec = importlib.util.find_spec("plotly")
    path = Path(spec.submodule_search_locations[0]) / "package_data" / "plotly.min.js" if spec else None
    if path is None or not path.is_file():
        raise UserError("Plotly's JavaScript (plotly/package_data/plotly.min.js) is missing: reinstall the plotly package")
    return path


def _ranked(pairs, score="score"):
    return [{"word": w, score: round(float(s), DECIMALS)} for w, s in pairs]


# ---- the checks every API request goes through ---------------------------------------------------

def _takes(dependant):
    """{parameter name: whether it may repeat} for an endpoint and its dependencies."""
    names = {f.alias: get_origin(f.field_info.annotation) is list for f in dependant.query_params}
    for sub in dependant.dependencies:
        names.update(_takes(sub))
    return names


async def _known_parameters(request: Request):
    """400 for a parameter the endpoint does not take (a typo would otherwise be silently ignored)
    or a single-valued one given twice."""
    route = request.scope["route"]
    takes = _takes(route.dependant)
    for name in request.query_params:
        if name not in takes:
            raise UserError(f"{route.path} takes no parameter {name[:MAX_WORD]!r}; it takes {', '.join(sorted(takes)) or 'none'}")
        if not takes[name] and len(request.query_params.getlist(name)) > 1:
            raise UserError(f"give {name} once")


def _validation_message(errors):
    """One line from pydantic's errors: 'n: input should be less than or equal to 100; ...'."""
    parts = []
    for error in errors:
        where = [str(x) for x in error["loc"][1:]]  # ('query', name[, item index])
        name = where[0] if where else "query"
        if len(where) > 1:
            name += f" (item {int(where[1]) + 1})"
        parts.append(f"{name} is required" if error["type"] == "missing"
                     else f"{name}: {error['msg'][:1].lower()}{error['msg'][1:]}")
    return "; ".join(dict.fromkeys(parts))  # a parameter two dependencies read (model) is named once


# ---- errors: every one a JSON answer with a message ------------------------------------------------

async def _unknown_word(request, e):
    # `folded`: a word the training text had, which --min-count folded into <unk> (the message says how often
    # it was seen); the page shows that message instead of "not in the vocabulary".
    return JSONAnswer({"error": str(e), "word": e.word, "suggestions": e.suggestions,
                       "folded": isinstance(e, FoldedWordError)}, status_code=404)


async def _bad_request(request, e):
    return JSONAnswer({"error": str(e)}, status_code=400)


async def _out_of_memory(request, e):
    return JSONAnswer({"error": "the server is out of memory; try again, or ask for less"}, status_code=503)


async def _bad_parameter(request, e):
    return JSONAnswer({"error": _validation_message(e.errors())}, status_code=400)


async def _http_error(request, e):
    return JSONAnswer({"error": e.detail}, status_code=e.status_code, headers=e.headers)


ERROR_ANSWERS = {UnknownWordError: _unknown_word, UserError: _bad_request, MemoryError: _out_of_memory,
                 RequestValidationError: _bad_parameter, HTTPException: _http_error}


def create_app(loaded, allowed_hosts=None, vectors=None):
    """The ASGI app answering from `loaded` (1 or 2 `wp.models.Loaded`, side by side), its tlm models
    with `vectors` (E, W or E+W) unless a request asks for others.

    `allowed_hosts`: the only names a request's Host header may give (say, this machine's for a
    server on 127.0.0.1, so that a web page elsewhere cannot reach it by DNS rebinding); None: any.
    """
    plotly_js = _plotly_script()
    app = FastAPI(title="wp serve", version="1", summary="Word vectors and tiny language models, side by side",
                  docs_url=None, redoc_url=None,  # their pages load scripts from a CDN; /openapi.json stays
                  default_response_class=JSONAnswer, exception_handlers=ERROR_ANSWERS)
    app.state.served = catalog.prepare(loaded, vectors)
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))

    @app.get("/", include_in_schema=False)
    async def page():
        return FileResponse(STATIC / "index.html")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    async def plotly():
        return FileResponse(plotly_js, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api)
    return app


# ---- the API ---------------------------------------------------------------------------------------

api = APIRouter(prefix="/api", dependencies=[Depends(_known_parameters)])


async def _chosen(request: Request,
                  model: Annotated[int, Query(ge=0, le=catalog.MAX_MODELS - 1, description="which model")] = 0):
    served = request.app.state.served
    if model >= len(served):
        raise UserError(f"model {model} is not served: this server has {len(served)} model (index 0)")
    return served[model]


Model = Annotated[catalog.Served, Depends(_chosen)]
# A + typed into a URL reaches the server as a space: `vectors=E+W` typed by hand means E+W.
Choice = Annotated[Literal[choice.VECTORS] | None, BeforeValidator(lambda v: "E+W" if v == "E W" else v),
                   Query(description="a tlm model's word vectors: E (rows of E), W (columns of W) or E+W (default: "
                                     "the server's --vectors)")]


async def _vectors(model: Model, vectors: Choice = None):
    return model.chosen(vectors)


Vectors = Annotated[WordVectors, Depends(_vectors)]  # the vectors a question is asked of (`vectors`, or the default)


@api.get("/models")
def models(request: Request):
    """The served models: name, kind ('vectors' or 'tlm'), vocabulary size, dimensions."""
    return {"models": [s.describe() for s in request.app.state.served]}


@api.get("/complete")
def complete(prefix: Word, model: Model, limit: Count = 10):
    """Words starting with `prefix` (as a tlm model's transforms write it: `Wo` completes to `wood`),
    most frequent first."""
    read = model.query_prefix(prefix)
    return {"model": model.name, "prefix": prefix, "words": [] if read is None else model.completer.complete(read, limit)}


@api.get("/similar")
def similar(word: Word, model: Model, wv: Vectors, n: Count = 10,
            min_count: Annotated[int | None, Query(ge=1)] = None):
    """The n nearest neighbours of a word by cosine, each with its training count (a tlm model,
    whose neighbours seen fewer than min_count times are hidden) or frequency rank. A tlm model
    reads the word through its transforms: `word` is the word asked about, as it read it."""
    word, = model.query_words([word])
    ranked = queries.similar(wv, [word], n=n, restrict=choice.shown(wv, f"model {model.index} ({model.name})",
                                                                   min_count))
    kind, numbers = queries.frequency(wv, [w for w, _ in ranked])
    return {"model": model.name, "word": word,
            "neighbours": [{**x, kind: numbers[x["word"]]} for x in _ranked(ranked)]}


@api.get("/similarity")
def similarity(a: Word, b: Word, model: Model, wv: Vectors):
    """Cosine similarity of two words (as the model read them)."""
    a, b = model.query_words([a, b])
    cosine = queries.similarity(wv, a, b)
    return {"model": model.name, "a": a, "b": b, "cosine": round(cosine, DECIMALS)}


@api.get("/analogy")
def analogy(a: Word, b: Word, c: Word, model: Model, wv: Vectors, n: Count = 5,
            method: Literal["add", "mul"] = "add"):
    """a is to b as c is to ?: the n best answers (3CosAdd or 3CosMul), input words excluded."""
    a, b, c = model.query_words([a, b, c])
    answers = queries.analogy(wv, a, b, c, n=n, method=method)
    return {"model": model.name, "a": a, "b": b, "c": c, "method": method, "answers": _ranked(answers)}


@api.get("/odd-one-out")
def odd_one_out(word: Words, model: Model, wv: Vectors):
    """The word that does not fit with the others (at least 3)."""
    words = model.query_words(word)
    return {"model": model.name, "words": words, "odd_one_out": queries.odd_one_out(wv, words)}


@api.get("/map")
def word_map(word: Words, model: Model, wv: Vectors, n: Annotated[int, Query(ge=0, le=MAX_N)] = 0):
    """2-D coordinates (first two principal components of the unit vectors) of the words and
    of the n nearest neighbours of their mean."""
    words = list(dict.fromkeys(model.query_words(word)))  # each word once, in order
    if n:
        words += [w for w, _ in queries.similar(wv, words, n=n)]
    points = word_points(wv.vectors[wv.rows(words)])  # (len(words), 2)
    return {"model": model.name, "words": words,
            "points": [{"word": w, "x": round(float(x), DECIMALS), "y": round(float(y), DECIMALS)}
                       for w, (x, y) in zip(words, points)]}


# ---- tlm models ------------------------------------------------------------------------------------

@api.get("/predict")
def predict(model: Model, context: Annotated[str, Query(max_length=MAX_TEXT)] = "", k: Count = 10):
    """The k likeliest next tokens after a context, tokenized as the model was trained."""
    lm = model.language_model()
    tokens = tokenize(context, lm.config.transforms)
    unknown = lm.vocabulary.missing(tokens) if lm.vocabulary.unk is not None else []  # else predict raises
    return {"model": model.name, "context": context, "tokens": tokens, "unknown": unknown,
            "predictions": _ranked(lm.most_likely(tokens, k), score="probability")}


@api.get("/generate")
def generate(model: Model,
             prompt: Annotated[str | None, Query(min_length=1, max_length=MAX_TEXT)] = None,
             length: Annotated[int, Query(ge=1, le=MAX_LENGTH)] = 30,
             temperature: Annotated[float, Query(gt=0, le=MAX_TEMPERATURE, allow_inf_nan=False)] = 1.0,
             top_k: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
             seed: Annotated[int | None, Query(ge=0, le=MAX_SEED)] = None):
    """A sample of `length` tokens after the prompt (temperature and top-k as `tlm generate`)."""
    lm = model.language_model()
    tokens = lm.generate(length, prompt=prompt, temperature=temperature, top_k=top_k, rng=np.random.default_rng(seed))
    return {"model": model.name, "prompt": prompt, "seed": seed,
            "text": detokenize(tokens, lm.config.transforms), "tokens": tokens}


@api.get("/history")
def history(model: Model):
    """Training and held-out loss per epoch, from the model file."""
    lm = model.language_model()
    return {"model": model.name, "loss": lm.history["loss"], "val_loss": lm.history["val_loss"]}


@api.get("/journey")
def journey(model: Model, word: Annotated[str | None, Query(min_length=1, max_length=MAX_WORD)] = None,
            n: Count = 8, vectors: Choice = None):
    """The training journey recorded in a tlm model file: snapshots, an aligned map of the word,
    its final neighbours and a few frequent words, and the word's neighbours at each snapshot, in the
    chosen vectors of the snapshots."""
    lm = model.language_model()
    if word:
        word, = model.query_words([word])
    recorded = replay.require(lm, model.name)
    return {"model": model.name, **replay.view(recorded, word, n, vectors=vectors or model.choice)}


@api.get("/explain")
def inside(model: Model, context: Annotated[str, Query(min_length=1, max_length=MAX_TEXT)],
           target: Annotated[str | None, Query(min_length=1, max_length=MAX_WORD)] = None,
           lr: Annotated[float, Query(gt=0, le=explain.MAX_LR, allow_inf_nan=False)] = explain.DEFAULT_LR,
           k: Count = explain.DEFAULT_K, step: bool = False):
    """One prediction, stage by stage, as `tlm explain`; with a target its loss and gradient, and with
    step=true the example after one training step, taken on a copy (the served model never changes)."""
    if step and target is None:
        raise UserError("step=true takes one training step, which needs a target")
    doc = explain.to_json(explain.explain(model.language_model(), context, target, lr=lr, k=k, name=model.name),
                          every=False)
    return doc if step else {key: value for key, value in doc.items() if key != "step"}


# ---- directions: wp pairs, relation and axis ---------------------------------------------------

@api.get("/relation-sets")
def relation_set_names():
    """The relation sets (sections of the Google analogies) that /api/relation takes as `set`."""
    return {"sets": relation_sets.names()}


@api.get("/pairs")
def pairs(pair: Pairs, model: Model, wv: Vectors, seed: Seed = 0):
    """Cosine of each pair a:b beside random pairs of words of similar frequency."""
    return {"model": model.name, **direction_queries.pairs(wv, pair, seed=seed, read=model.query_words)}


@api.get("/relation")
def relation(model: Model, wv: Vectors, pair: Pairs = [],
             set: Annotated[str | None, Query(max_length=MAX_WORD)] = None, seed: Seed = 0):
    """Consistency of the offsets b - a of typed pairs or of a relation set, beside shuffled pairs,
    with the pairs' words on a 2-D map."""
    answer = direction_queries.relation(wv, pair, set_name=set, seed=seed, points=True, read=model.query_words)
    return {"model": model.name, **answer}


@api.get("/axis")
def axis(x: Pairs, model: Model, wv: Vectors, y: Pairs = [], word: Words = []):
    """Words placed on the axis of pairs `x` (and on that of pairs `y`): their cosines with it."""
    return {"model": model.name, **direction_queries.axes(wv, [x] + ([y] if y else []), word, read=model.query_words)}
