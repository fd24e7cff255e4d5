"""Before and after in one run: each benchmark named runs twice on this machine, first against the
service's code at a baseline commit, then against this checkout, with the same benchmark code (this
checkout's bench/ is copied over the baseline's), and every figure is printed side by side.

    python -m bench.compare [--before REF] NAME [NAME ...] [--args "ARGS"]

NAME is a module of bench/ (e4_webhooks, e2_acceptance, ...). The baseline is exported with `git archive`,
so this must run in a git clone. Each run writes its own bench/results/NAME.json; the comparison is
written to bench/results/compare-NAME.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import RESULTS, machine, save, table

ROOT = Path(__file__).resolve().parent.parent
# main before issue 19's throughput work (origin drains, one write per batch, one read per batch).
BASELINE = "86816f8"


def export(ref: str, into: Path) -> Path:
    """The service at `ref`, with this checkout's benchmarks."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    shutil.rmtree(into / "bench")
    shutil.copytree(ROOT / "bench", into / "bench", ignore=shutil.ignore_patterns("results", "__pycache__"))
    return into


def run_in(tree: Path, name: str, args: list[str]) -> dict:
    """Run bench.NAME with `tree`'s code (and the processes it starts: they inherit PYTHONPATH)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    print(f"\n=== {name} on {tree}", flush=True)
    subprocess.run([sys.executable, "-m", f"bench.{name}", *args], cwd=tree, env=env, check=True)
    return json.loads((tree / "bench" / "results" / f"{name}.json").read_text())


def leaves(value, path: str = "") -> dict[str, float]:
    """Every number in a result, by its path (`rates[0].deliveries_per_second`)."""
    if isinstance(value, dict):
        return {k: v for name, item in value.items() if name != "machine"
                for k, v in leaves(item, f"{path}.{name}" if path else name).items()}
    if isinstance(value, list):
        return {k: v for n, item in enumerate(value) for k, v in leaves(item, f"{path}[{n}]").items()}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {path: float(value)}
    return {}


def compare(name: str, before: dict, after: dict) -> list[list]:
    old, new = leaves(before), leaves(after)
    return [[figure, old.get(figure, "-"), new.get(figure, "-"),
             f"{new[figure] / old[figure]:.2f}x" if old.get(figure) and figure in new else "-"]
            for figure in sorted(old.keys() | new.keys())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+")
    parser.add_argument("--before", default=BASELINE)
    parser.add_argument("--args", default="", help="arguments for every benchmark run")
    options = parser.parse_args()
    args = shlex.split(options.args)
    with tempfile.TemporaryDirectory(prefix="encola-before-") as tmp:
        tree = export(options.before, Path(tmp))
        for name in options.names:
            before = run_in(tree, name, args)
            after = run_in(ROOT, name, args)
            rows = compare(name, before, after)
            print(f"\n{name}: before = {options.before}, after = this checkout ({machine()['cpus']} CPUs)")
            print(table(["figure", "before", "after", "after/before"], rows))
            RESULTS.mkdir(exist_ok=True)
            print(f"written to {save(f'compare-{name}', {'before_ref': options.before, 'before': before, 'after': after})}")


if __name__ == "__main__":
    main()
