"""The auditor's command: ``python3 verify.py <folder>`` (the kit) and ``make verify`` (``python -m warmth.audit``).

It prints the report, Chinese first, and exits 0 when every check passed, 1
when one failed, 2 when it cannot run. It needs Python 3.9 or newer and
nothing else; on a console that cannot show a character (✓ on a GBK
console), that character is replaced rather than stopping the report.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from warmth.audit.verify import verify

DESCRIPTION = (
    "核对下载的 /data/ 文件夹或生成的网站：校验和、压缩包、数据包、封存账本、已封存的记录、汇总和核查结果。只读，不写任何文件。\n"
    "Check a downloaded /data/ folder or a built site: checksums, all.zip, the data package, the ledger, sealed records, "
    "summaries and findings. Reads only; writes nothing."
)


def main(argv: list[str] | None = None) -> int:
    if sys.version_info < (3, 9):  # noqa: UP036 - the kit may be run by any python3: an older one gets a message
        print("需要 Python 3.9 或更高版本 / Python 3.9 or newer is required", file=sys.stderr)
        return 2
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    parser = argparse.ArgumentParser(prog="verify.py", description=DESCRIPTION)
    parser.add_argument("folder", nargs="?", default=".", help="网站文件夹或 data 文件夹（默认当前文件夹）/ the site or data folder (default: here)")
    parser.add_argument("--since", default=None,
                        help="以前保存的 ledger.jsonl 或公告中的账本最新哈希 / an earlier copy of ledger.jsonl, or a head hash from a notice")
    parser.add_argument("--pubkey", default=None, help="公告中的工会公钥（PEM）：用 openssl 核对每一行的签名 / the union's public key, from its notice")
    args = parser.parse_args(argv)
    report = verify(Path(args.folder), since=args.since, pubkey=Path(args.pubkey) if args.pubkey else None)
    print(report.format())
    return 0 if report.ok else 1
