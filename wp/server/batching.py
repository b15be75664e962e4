"""Answering the neighbour questions of many requests together: scanners that go round the rows.

Each neighbour, analogy or map question reads all N unit rows; thirty students asking at once
would read them thirty times. Here each model's rows are split in parts, one per core
(SCAN_THREADS), and a scanner thread per part goes round its rows block by block for as long as
questions are there: a question joins every part at the block it has reached, is multiplied with
each block side by side with the questions asked meanwhile (up to MAX_COLUMNS query vectors, one
product per block: `vectors.nearest.Scan`), and has its candidates when every part has come round
to where it joined. So a question waits for one round of the rows, and never for questions asked
before it (answered in batches one after the other, a question waited for the batch ahead of it
and then for its own).

The request's own thread ranks the candidates exactly, as `WordVectors.ask` does for the commands:
the same answers.
Leaves out the questions' maths (`vectors.nearest`) and the routes (`app`).
"""

import os
import threading
from concurrent.futures import Future

import numpy as np

from vectors import nearest
from vectors.word_vectors import WordVectors

SCAN_THREADS = os.cpu_count() or 1  # a scanner per core: the scan is most of a question's time
MAX_COLUMNS = 32  # query vectors multiplied with a block at once; more questions wait to join


class _Asked:
    """A question going round a model's rows: what its rows must reach, the candidates found, and
    the future its request waits on (no result: the request takes the candidates)."""

    def __init__(self, question, threshold, parts):
        self.question, self.threshold = question, threshold
        self.found = []  # (n,) candidate rows, from any part
        self.parts_left = parts
        self.future = Future()


class _Part:
    """Some blocks of a model's rows and the questions going round them. Only its scanner touches
    `going`, `at`, `scan` and `found`; `joining` is shared (under the `Batcher`'s lock)."""

    def __init__(self, unit, blocks):
        self.unit, self.blocks = unit, blocks  # the first row of each block
        self.at = 0  # the block scanned next
        self.joining = []  # _Asked
        self.going = []  # (_Asked, the block it joined at)
        self.scan = None  # the `nearest.Scan` of the questions going round, made again when they change
        self.found = []  # (questions, rows) of each block scanned since they last changed


class Batcher:
    """Neighbour questions to the served models, answered by scanners going round their rows."""

    def __init__(self):
        self._lock = threading.Condition()
        self._parts = {}  # id(vectors) -> (vectors, [_Part]); the vectors are kept so that the id stays theirs
        self._scanners = 0

    def ask(self, vectors, question, restrict=None):
        """(rows, scores) of `question` about `vectors` among their first `restrict` rows, best first
        (blocks until then)."""
        unit = np.asarray(vectors.unit)[:restrict]
        threshold = nearest.threshold(unit, question)
        with self._lock:
            parts = self._parts_of(vectors)
            asked = _Asked(question, threshold, len(parts))
            for part in parts:
                part.joining.append(asked)
            while self._scanners < SCAN_THREADS:
                threading.Thread(target=self._scan, args=(self._scanners,), name=f"wp-scan-{self._scanners}",
                                 daemon=True).start()
                self._scanners += 1
            self._lock.notify_all()
        asked.future.result()  # set when every part is done with it
        candidates = np.concatenate(asked.found)  # from all the rows: those past `restrict` are not its own
        return nearest.ranked(unit, question, candidates[candidates < len(unit)])

    def _parts_of(self, vectors):
        if id(vectors) not in self._parts:
            unit = np.asarray(vectors.unit)
            blocks = range(0, len(unit), nearest.BLOCK)
            parts = np.array_split(blocks, min(SCAN_THREADS, len(blocks)))
            self._parts[id(vectors)] = (vectors, [_Part(unit, part.tolist()) for part in parts])
        return self._parts[id(vectors)][1]

    def _scan(self, i):
        """Scanner i: round and round part i of every model's rows while questions are there."""
        while True:
            with self._lock:
                while not (work := self._work(i)):
                    self._lock.wait()
            for part, joining in work:
                self._step(part, joining)

    def _work(self, i):
        """[(part, the questions joining it now)] for part i of the models' rows where questions
        go round or join (under the lock)."""
        work = []
        for _, parts in self._parts.values():
            if i < len(parts) and ((joining := _admitted(parts[i])) or parts[i].going):
                work.append((parts[i], joining))
        return work

    def _step(self, part, joining):
        """Scan the part's next block for the questions going round it, the `joining` ones with them;
        those that have come round leave it, and have their candidates once every part is done with
        them."""
        asked, error = [a for a, _ in part.going] + joining, None
        try:
            if joining:
                _hand_over(part)
                part.going += [(a, part.at) for a in joining]
                part.scan = None
            if part.scan is None:
                part.scan = nearest.Scan([a.question for a, _ in part.going], [a.threshold for a, _ in part.going],
                                         nearest.rounding_error(part.unit))
            first = part.blocks[part.at]
            part.found.append(part.scan(part.unit[first:first + nearest.BLOCK], first))
            part.at = (part.at + 1) % len(part.blocks)
            done = [a for a, joined in part.going if joined == part.at]
            if done:
                _hand_over(part)
                part.going, part.scan = [(a, joined) for a, joined in part.going if joined != part.at], None
        except Exception as e:  # MemoryError, above all: each request reports it
            part.going, part.scan, part.found = [], None, []
            done, error = asked, e
        if done:
            with self._lock:
                for a in done:
                    a.parts_left -= 1
                    if error is not None and not a.future.done():
                        a.future.set_exception(error)
                    elif not a.parts_left and not a.future.done():
                        a.future.set_result(None)


def _admitted(part):
    """The questions waiting at `part` that join it now: as many as MAX_COLUMNS allows beside
    those going round (under the lock)."""
    columns = sum(len(asked.question.columns) for asked, _ in part.going)
    admitted = []
    while part.joining and (not (part.going or admitted)
                            or columns + len(part.joining[0].question.columns) <= MAX_COLUMNS):
        admitted.append(part.joining.pop(0))
        columns += len(admitted[-1].question.columns)
    return admitted


def _hand_over(part):
    """Give the questions going round `part` the candidates it has found for them since they last
    changed (one split for many blocks)."""
    if part.found:
        questions, rows = (np.concatenate(found) for found in zip(*part.found))
        for (asked, _), found in zip(part.going, nearest.by_question(len(part.going), questions, rows)):
            asked.found.append(found)
        part.found = []


class BatchedVectors(WordVectors):
    """Word vectors whose neighbour questions go round with others' (a `Batcher` shared by the
    served models)."""

    def __init__(self, vectors, batcher):
        super().__init__(vectors.words, vectors.vectors, vectors.unit, vectors.counts)
        self._batcher = batcher

    def ask(self, question, restrict=None):
        return self.named(*self._batcher.ask(self, question, restrict))
