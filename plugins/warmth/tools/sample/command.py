"""The command line: ``python -m warmth sample`` (or ``python -m warmth.tools.sample``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .campaign import SampleError
from .generator import DEFAULT_RECORDS, DEFAULT_SEED, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="warmth.sample",
        description="生成可复现的示例数据（示例数据，非真实数据）/ write seeded sample data (not real).",
    )
    parser.add_argument("--out", type=Path, default=Path("data"), help="输出目录 / output folder (default: data)")
    parser.add_argument("--campaign", type=Path, default=None,
                        help="活动配置文件 / campaign file (default: <out>/campaign.toml)")
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS,
                        help=f"记录条数 / number of records (default: {DEFAULT_RECORDS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"随机种子 / random seed (default: {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    campaign = args.campaign or args.out / "campaign.toml"
    try:
        summary = generate(args.out, campaign, records=args.records, seed=args.seed)
    except SampleError as exc:
        sys.stderr.write(f"无法生成示例数据 / cannot write sample data: {exc}\n")
        return 2
    rounds = "，".join(f"{rid}：{k} 条" for rid, k in summary["rounds"].items())
    rounds_en = ", ".join(f"{rid}: {k}" for rid, k in summary["rounds"].items())
    sys.stdout.write(
        f"已生成示例数据：{summary['records']} 条记录（{rounds}），{len(summary['files'])} 个文件，"
        f"写入 {args.out} / sample data written: {summary['records']} records ({rounds_en}), "
        f"{len(summary['files'])} files in {args.out}\n"
    )
    return 0
