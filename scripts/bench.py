"""Benchmark: builds of generated 100k and 1M records (5M with BENCH_5M=1), side by side with a floor.

Run with `make bench`. For each size it generates the data (seeded, outside the
timing) and then, each in a child process (wall time and peak memory, the max
RSS of the child, as the user sees them):
  cold          — empty cache, no output: everything read, checked, written, cached;
  no change     — the same build again: the up-to-date check (site/uptodate.py);
  one file      — one amount changed in one district file, then built;
  floor         — DuckDB reading the same CSVs as text, three group-bys (by district,
                  fund source, category), one summary CSV written: what any build
                  must at least cost on this machine.
BENCH_RUNS=3 repeats each (the table gives the median and the range). The table
is printed and written to docs/benchmarks.md, every time with its ratio to the floor.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
DOC = ROOT / "docs" / "benchmarks.md"
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "100000,1000000").split(",")]
if os.environ.get("BENCH_5M") == "1" and 5_000_000 not in SIZES:
    SIZES.append(5_000_000)
RUNS = max(1, int(os.environ.get("BENCH_RUNS", "1")))

FLOOR = r"""
import sys
from pathlib import Path
import duckdb
data, out = Path(sys.argv[1]), Path(sys.argv[2])
files, names = [], set()
for i, path in enumerate(sorted((data / "rounds").rglob("*.csv"))):
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
        files.append(str(path))
    except UnicodeDecodeError:  # Excel's GB18030 "CSV": DuckDB reads UTF-8, so it is transcoded first (timed too)
        text = raw.decode("gb18030")
        files.append(str(out.parent / f"{out.stem}-{i}.csv"))
        Path(files[-1]).write_text(text, encoding="utf-8")
    names.update(text[: text.find("\n")].strip().split(","))
def pick(*alternatives):
    found = ['"' + n + '"' for n in sorted(names) if n in alternatives]
    return "COALESCE(" + ", ".join(found) + ")" if len(found) > 1 else found[0]
query = (
    "SELECT district, fund_source, category, count(*) AS records, sum(TRY_CAST(amount AS DECIMAL(18, 2))) AS amount "
    f"FROM (SELECT {pick('district', '区县')} AS district, {pick('fund_source', '资金来源')} AS fund_source, "
    f"{pick('category', '救助类别')} AS category, {pick('amount_yuan', '金额（元）')} AS amount "
    f"FROM read_csv({files!r}, header = true, all_varchar = true, union_by_name = true)) "
    "GROUP BY GROUPING SETS ((district), (fund_source), (category)) ORDER BY ALL"
)
duckdb.connect().execute(f"COPY ({query}) TO '{out}' (HEADER)")
"""


def child(args: list[str]) -> tuple[float, int, str]:
    """Run a child process; return (seconds, peak RSS bytes, stderr).

    The disks are synced first, outside the timing: otherwise the kernel writing back what the previous step
    wrote (gigabytes at 5M: copied data, the last output, the cache) lands in this step's time, and the same
    build measured ±30 %."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "plugins")}
    if hasattr(os, "sync"):
        os.sync()
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"失败 / failed: {' '.join(args)}\n{stderr[-3000:]}")
    return seconds, usage.ru_maxrss * 1024, stderr


def build(data: Path, out: Path, cache: Path) -> tuple[float, int, dict]:
    report = BENCH / "report.json"
    report.unlink(missing_ok=True)
    seconds, rss, _ = child([sys.executable, "-m", "warmth", "build", "--data", str(data), "--output", str(out),
                             "--cache", str(cache), "--report", str(report), "--quiet"])
    return seconds, rss, json.loads(report.read_text(encoding="utf-8"))


def change_one_amount(data: Path) -> None:
    """Add one yuan to the first record's amount in the first UTF-8 district file (the file's own format kept)."""
    for path in sorted((data / "rounds").rglob("*.csv")):
        raw = path.read_bytes()
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        start = raw.index(b"\n") + 1
        end = raw.index(b"\n", start)
        cells = raw[start:end].split(b",")
        for i in range(len(cells) - 1, -1, -1):
            whole, dot, cents = cells[i].partition(b".")
            if dot and whole.isdigit() and cents.isdigit() and len(cents) == 2:
                cells[i] = str(int(whole) + 1).encode() + b"." + cents
                path.write_bytes(raw[:start] + b",".join(cells) + raw[end:])
                return
    sys.exit("没有可修改的金额 / no amount to change")


def measure(size: int) -> list[tuple]:
    data = BENCH / f"data-{size}"
    if not (data / "rounds").is_dir():
        print(f"生成 {size:,} 条记录 / generating {size:,} records…", flush=True)
        data.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "data" / "campaign.toml", data / "campaign.toml")
        # in a child: this process stays small, and a child's peak memory counts from its fork
        child([sys.executable, "-m", "warmth", "sample", "--out", str(data), "--records", str(size), "--seed", "2012"])
    work, out, cache = BENCH / f"work-{size}", BENCH / f"output-{size}", BENCH / f"cache-{size}"
    results: dict[str, list[tuple[float, int]]] = {}
    steps: dict[str, dict] = {}
    for _ in range(RUNS):
        for path in (work, out, cache):
            shutil.rmtree(path, ignore_errors=True)
        shutil.copytree(data, work)
        floor_out = BENCH / f"floor-{size}.csv"
        seconds, rss, _ = child([sys.executable, "-c", FLOOR, str(work), str(floor_out)])
        results.setdefault("floor: DuckDB, same CSVs, 3 group-bys", []).append((seconds, rss))
        for label in ("cold (empty cache)", "no change", "one file changed"):
            if label == "one file changed":
                change_one_amount(work)
            seconds, rss, report = build(work, out, cache)
            if (label == "no change") != bool(report.get("unchanged")):
                sys.exit(f"意外的结果 / unexpected: {label} → {report}")
            results.setdefault(label, []).append((seconds, rss))
            steps[label] = report["timings"]
            print(f"{size:>9,} {label:<40} {seconds:7.2f} s  peak {rss / 2**20:7.0f} MiB", flush=True)
    floor = statistics.median(s for s, _ in results["floor: DuckDB, same CSVs, 3 group-bys"])
    rows = []
    for label, runs in results.items():
        times = [s for s, _ in runs]
        rows.append((size, label, statistics.median(times), min(times), max(times), max(r for _, r in runs),
                     statistics.median(times) / floor, steps.get(label, {})))
    return rows


def table(rows: list[tuple]) -> list[str]:
    lines = [
        "| records | build | wall time | peak memory | × floor | in-process steps (s) |",
        "|---:|---|---:|---:|---:|---|",
    ]
    for size, label, median, low, high, rss, ratio, steps in rows:
        spread = f" ({low:.2f}–{high:.2f})" if RUNS > 1 else ""
        shown = ", ".join(f"{k} {v:.2f}" for k, v in steps.items() if v >= 0.05)
        lines.append(f"| {size:,} | {label} | {median:.2f} s{spread} | {rss / 2**20:,.0f} MiB | {ratio:.1f} | {shown} |")
    return lines


def main() -> int:
    BENCH.mkdir(exist_ok=True)
    rows = []
    for size in SIZES:
        rows += measure(size)
    import duckdb

    head = [
        "# Benchmarks",
        "",
        "Written by `make bench` (scripts/bench.py); README's \"Speed\" quotes it. Every figure is one",
        "child process, wall time and peak RSS, on generated data (seed 2012), all in the same run.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {_memory()}, Python {platform.python_version()},",
        f"DuckDB {duckdb.__version__}; {RUNS} run(s) each" + (" (median, range in brackets)." if RUNS > 1 else "."),
        "",
    ]
    lines = head + table(rows) + [
        "",
        "- **cold (empty cache)**: no cache and no output: every file read and checked, every download",
        "  written, the cache filled.",
        "- **no change**: the same build again; stops after the up-to-date check (site/uptodate.py).",
        "- **one file changed**: one amount in one district file; that file is parsed again, the",
        "  others come from the rows cache (intake/rowcache.py) and skip the one-record checks",
        "  (intake/vetted.py); aggregates, findings, pages and downloads are made again from all records;",
        "  all.zip copies its unchanged members from the previous zip (downloads/zipreuse.py).",
        "- **floor**: DuckDB reading the same CSV files as text (the GB18030 one transcoded first,",
        "  timed), three group-bys and one summary CSV written, in its own Python process.",
    ]
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n" + "\n".join(table(rows)))
    print(f"\n结果已写入 / results written to {DOC.relative_to(ROOT)}")
    return 0


def _memory() -> str:
    try:
        kib = int(next(line for line in open("/proc/meminfo") if line.startswith("MemTotal")).split()[1])
        return f"{kib / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        return "memory unknown"


if __name__ == "__main__":
    raise SystemExit(main())
