"""Benchmark: cold and cached builds of generated 100k and 1M record data sets.

Run with `make bench`. For each size it generates the data (seeded, outside
the timing), then builds it in a child process three ways and reports wall
time, peak memory (max RSS of the child) and the plugin's step timings:
  cold   — no cache: every record file written and every chart drawn;
  warm   — cache filled, inputs unchanged (a rebuild after editing a page);
Results go to the terminal and to bench/results.md.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "100000,1000000").split(",")]


def child(args: list[str]) -> tuple[float, int, dict]:
    """Run `python -m warmth …` and return (seconds, peak RSS bytes, report)."""
    report = BENCH / "report.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "plugins")}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "warmth", *args, "--report", str(report)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    stderr = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"构建失败 / build failed:\n{stderr}")
    return seconds, usage.ru_maxrss * 1024, json.loads(report.read_text(encoding="utf-8"))


def main() -> int:
    BENCH.mkdir(exist_ok=True)
    sys.path.insert(0, str(ROOT / "plugins"))
    from warmth.tools.sample import generate

    rows = []
    for size in SIZES:
        data = BENCH / f"data-{size}"
        if not (data / "rounds").is_dir():
            print(f"生成 {size:,} 条记录 / generating {size:,} records…", flush=True)
            data.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / "data" / "campaign.toml", data / "campaign.toml")
            generate(data, data / "campaign.toml", records=size, seed=2012)
        out = BENCH / f"output-{size}"
        cache = BENCH / f"cache-{size}"
        shutil.rmtree(cache, ignore_errors=True)
        build = ["build", "--data", str(data), "--output", str(out)]
        for label, extra in (("cold (no cache)", ["--no-cache"]), ("warm (cache filled)", [])):
            if label.startswith("warm"):
                child(build)  # fill the cache
            seconds, rss, report = child(build + extra)
            steps = ", ".join(f"{k} {v:.2f}" for k, v in report["timings"].items())
            print(f"{size:>9,} {label:<20} {seconds:6.2f} s  peak {rss / 2**30:.2f} GiB  [{steps}]", flush=True)
            rows.append((size, label, seconds, rss, steps))

    lines = [
        f"# Benchmark ({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()})",
        "",
        "| records | build | wall time | peak memory | in-process steps (s) |",
        "|---:|---|---:|---:|---|",
    ]
    lines += [f"| {s:,} | {label} | {sec:.2f} s | {rss / 2**30:.2f} GiB | {steps} |" for s, label, sec, rss, steps in rows]
    (BENCH / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\n结果已写入 / results written to {BENCH / 'results.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
