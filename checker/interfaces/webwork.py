"""The page's work off the event loop: a pool of worker processes, each check under a time limit.

The rules engine and the readers hold the GIL, so checks run in worker processes (one per core by
default); the event loop only receives requests and renders answers, so a slow check never delays
another request. Each check runs under the batch's per-letter alarm (a pathological PDF is stopped at
the limit with a clear error); should a worker not answer within the limit and a margin (stuck inside
C code), the request is answered with an error and the pool is replaced.
"""
from __future__ import annotations

import asyncio
import concurrent.futures as cf
import multiprocessing as mp
import os
from typing import Any, Optional

from checker.core.errors import CheckerError

_MARGIN = 5.0  # seconds past the limit before a worker is taken for stuck
_WORKER: dict[str, Any] = {}


def _init(rules_dir: str, time_limit: float) -> None:
    _WORKER.update(rules_dir=rules_dir, time_limit=time_limit)
    _tools()  # build the checker once, when the worker starts


def _tools():
    from checker.interfaces.webjobs import tools

    return tools(_WORKER["rules_dir"])


def work(kind: str, payload: tuple) -> dict[str, Any]:
    """One check in a worker (see the *_work functions of checker/interfaces/webjobs.py): its result, or {"error":
    message, "status": code}; never raises."""
    from checker.interfaces import webjobs as web
    from checker.interfaces.batch import LetterTimeout, _deadline

    jobs = {"letter": web.letter_work, "api": web.api_work, "review": web.review_work,
            "api-review": web.api_review_work, "facts": lambda rules_dir, raw: {"result": web.evaluate_raw(raw, rules_dir)}}
    limit = _WORKER.get("time_limit", 0)
    try:
        with _deadline(limit):
            return jobs[kind](_WORKER["rules_dir"], *payload)
    except LetterTimeout:
        return {"error": f"not finished within the {limit:g} s limit per request; the file is too costly to read",
                "status": 422}
    except CheckerError as exc:
        return {"error": exc.message}
    except RecursionError:
        return {"error": "too deeply nested to read"}
    except MemoryError:
        return {"error": "too large to read in the memory allowed", "status": 422}
    except Exception as exc:  # a bug: its type only, never the text
        return {"error": f"internal error ({type(exc).__name__}); please report it", "status": 500}


def _ready() -> bool:
    return True


class Workers:
    """A lazily started process pool shared by the requests of one app."""

    def __init__(self, rules_dir: str, processes: Optional[int], time_limit: float):
        self.rules_dir, self.time_limit = rules_dir, time_limit
        self.processes = processes or os.cpu_count() or 1
        self.pool: Optional[cf.ProcessPoolExecutor] = None

    def _pool(self) -> cf.ProcessPoolExecutor:
        if self.pool is None:
            # spawned, not forked: the server runs threads, and a fork taken while another thread holds
            # a lock (an import, logging) can leave the worker waiting on it for ever
            self.pool = cf.ProcessPoolExecutor(self.processes, mp.get_context("spawn"), _init, (self.rules_dir, self.time_limit))
        return self.pool

    def start(self) -> None:
        """Start every worker now (a first request would otherwise wait for them)."""
        pool = self._pool()
        for future in [pool.submit(_ready) for _ in range(self.processes)]:
            future.result()

    async def run(self, kind: str, payload: Any) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._pool(), work, kind, payload)
            wait = self.time_limit + _MARGIN if self.time_limit > 0 else None
            return await asyncio.wait_for(future, wait)
        except asyncio.TimeoutError:
            self.reset()
            return {"error": f"not finished within the {self.time_limit:g} s limit per request", "status": 422}
        except cf.process.BrokenProcessPool:
            self.reset()
            return {"error": "the check stopped unexpectedly (the worker ended); please report it", "status": 500}

    def reset(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.kill()  # only this pool's own workers
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
