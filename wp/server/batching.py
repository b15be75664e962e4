"""Answering the neighbour questions of requests that arrive together in one pass over the vectors.

Each neighbour, analogy or map question reads all N unit rows; thirty students asking at once
would read them thirty times, one after another. Here the first request of a batch waits WINDOW_S
for others, then answers every question waiting (up to MAX_COLUMNS query vectors, per model) with
one matrix product (`vectors.nearest`), while the next batch gathers behind it. The answers are
those of `WordVectors.ask`, which the commands call: the same ranking, exactly.
Leaves out the questions' maths (`vectors.nearest`) and the routes (`app`).
"""

import threading
import time
from concurrent.futures import Future
from typing import NamedTuple

from vectors.nearest import Question
from vectors.word_vectors import WordVectors

WINDOW_S = 0.002  # how long the first question of a batch waits for others
MAX_COLUMNS = 32  # query vectors per product: its (32, N) float32 scores take 51 MB at 400k words


class _Waiting(NamedTuple):
    vectors: WordVectors
    restrict: int | None
    question: Question
    future: Future


class Batcher:
    """Questions to many models gathered into batches: one product per model and batch."""

    def __init__(self):
        self._lock = threading.Lock()
        self._computing = threading.Lock()  # one batch at a time; questions meanwhile join the next
        self._waiting = []  # _Waiting
        self._gathering = False

    def ask(self, vectors, question, restrict=None):
        """The answer to `question` about `vectors`, from the batch it joins (blocks until then)."""
        future = Future()
        with self._lock:
            self._waiting.append(_Waiting(vectors, restrict, question, future))
            lead, self._gathering = not self._gathering, True
        if lead:
            time.sleep(WINDOW_S)
            with self._computing:
                with self._lock:
                    batch, self._waiting, self._gathering = self._waiting, [], False
                _answer(batch)
        return future.result()


def _answer(batch):
    """Answer every waiting question: per model (and restrict), MAX_COLUMNS query vectors a product."""
    groups = {}
    for waiting in batch:
        groups.setdefault((id(waiting.vectors), waiting.restrict), []).append(waiting)
    for group in groups.values():
        for chunk in _chunks(group):
            try:
                answers = chunk[0].vectors.answer([w.question for w in chunk], chunk[0].restrict)
            except Exception as e:  # MemoryError, above all: each request reports it
                for waiting in chunk:
                    waiting.future.set_exception(e)
            else:
                for waiting, answer in zip(chunk, answers):
                    waiting.future.set_result(answer)


def _chunks(group):
    chunk, columns = [], 0
    for waiting in group:
        if chunk and columns + len(waiting.question.columns) > MAX_COLUMNS:
            yield chunk
            chunk, columns = [], 0
        chunk.append(waiting)
        columns += len(waiting.question.columns)
    yield chunk


class BatchedVectors(WordVectors):
    """Word vectors whose neighbour questions go through a `Batcher`, shared by the served models."""

    def __init__(self, vectors, batcher):
        super().__init__(vectors.words, vectors.vectors, vectors.unit, vectors.counts)
        self._batcher = batcher

    def ask(self, question, restrict=None):
        return self._batcher.ask(self, question, restrict)
