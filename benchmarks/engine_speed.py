"""Engine throughput against the plain-Python oracle, and memory over many evaluations.

    .venv/bin/python benchmarks/engine_speed.py [--cases N] [--rss-evaluations N] [--seed S]

Every figure comes from one run on the same generated cases, so the ratios compare like with like:
  - engine: checker.engine.durable.Engine (durable_rules C entry points, one session per case);
  - host:   the naive path, durable's Host.assert_fact with a Python action per rule (the baseline
            the engine's design is measured against);
  - oracle: checker.engine.oracle.reference_statuses (plain Python over the same condition trees).
RSS is read from /proc/self/status before and after the long run. Nothing here is a test: it prints.
"""
from __future__ import annotations

import argparse
import copy
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.engine.durable import Engine, _SyncHost, compile_pack  # noqa: E402
from checker.engine.oracle import reference_statuses  # noqa: E402
from checker.rules.rulepack import load_rules  # noqa: E402


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def generate(rules, n: int, seed: int) -> list[dict]:
    """Random fact sets: each scalar fact absent or present with a typed value near the thresholds."""
    rng = random.Random(seed)
    specs = {k: s for k, s in sorted(rules.vocabulary.facts.items()) if s.type in ("bool", "int", "number", "enum")}
    cases = []
    for _ in range(n):
        case = {}
        for name, spec in specs.items():
            if rng.random() < 0.4:
                continue
            if spec.type == "bool":
                case[name] = rng.random() < 0.5
            elif spec.type == "enum":
                case[name] = rng.choice(spec.values)
            elif spec.type == "int":
                case[name] = rng.randint(int(spec.min or 0), min(int(spec.max or 100), 12))
            else:
                case[name] = round(rng.uniform(spec.min or 0, min(spec.max or 200, 200)), 1)
        cases.append(case)
    return cases


def rate(fn, cases, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for case in cases:
            fn(case)
    return len(cases) * repeat / (time.perf_counter() - start)


def host_path(pack):
    fired: dict[str, set] = {}

    def action(name):
        def act(c):
            fired.setdefault(c.s.sid, set()).add(name)
        return act

    host = _SyncHost()
    host.register_rulesets({"naive": copy.deepcopy(compile_pack(pack, action))})
    counter = iter(range(10**12))

    def run(values):
        sid = f"h{next(counter)}"
        try:
            host.assert_fact("naive", dict(values, t="case", sid=sid))
        finally:
            host.delete_state("naive", sid)
        return fired.pop(sid, set())
    return run


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=5000)
    ap.add_argument("--rss-evaluations", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rules = load_rules(ROOT / "rules")
    pack = rules.packs[0]
    cases = generate(rules, args.cases, args.seed)
    engine = Engine(rules.packs)
    mismatches = sum(engine.statuses(pack.id, c) != reference_statuses(pack, c) for c in cases)
    # three interleaved rounds, median of each: a busy second core moves single rounds by 20-30%
    rounds = {"engine": [], "host": [], "oracle": []}
    naive = host_path(pack)
    for _ in range(3):
        rounds["engine"].append(rate(lambda c: engine.statuses(pack.id, c), cases))
        rounds["host"].append(rate(naive, cases))
        rounds["oracle"].append(rate(lambda c: reference_statuses(pack, c), cases))
    engine_rate, host_rate, oracle_rate = (sorted(rounds[k])[1] for k in ("engine", "host", "oracle"))
    print(f"cases: {len(cases)} generated (seed {args.seed}), {len(pack.criteria)} criteria; engine/oracle mismatches: {mismatches}")
    print(f"engine  {engine_rate:>10,.0f} evaluations/s")
    print(f"host    {host_rate:>10,.0f} evaluations/s   engine/host   = {engine_rate / host_rate:.2f}x")
    print(f"oracle  {oracle_rate:>10,.0f} evaluations/s   engine/oracle = {engine_rate / oracle_rate:.3f}x")
    before = rss_kib()
    start = time.perf_counter()
    for i in range(args.rss_evaluations):
        engine.statuses(pack.id, cases[i % len(cases)])
    elapsed = time.perf_counter() - start
    after = rss_kib()
    growth = (after - before) / before * 100 if before else 0.0
    print(f"RSS over {args.rss_evaluations:,} engine evaluations ({args.rss_evaluations / elapsed:,.0f}/s): "
          f"{before:,} KiB -> {after:,} KiB ({growth:+.2f}%)")
    return 0 if mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
