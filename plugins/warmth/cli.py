"""Staff commands (``python -m warmth …``; the Makefile wraps them).

Messages are Chinese first, English after. Known failures print a readable
report and exit 1 — never a traceback (``--debug`` shows one).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from warmth.core.problems import WarmthError
from warmth.core.steps import display

log = logging.getLogger("warmth")
REPLACE_HELP = (
    "可以覆盖已有的输出文件（密钥文件和要读取的文件仍绝不覆盖）/ "
    "replace existing output files (never a key file or a file the command reads)"
)


def _progress_mode(quiet: bool) -> str:
    """How steps show progress (core/steps.py): a live display on a terminal, plain lines when piped or in CI."""
    if quiet:
        return "quiet"
    if sys.stderr.isatty() and not os.environ.get("CI") and os.environ.get("TERM", "") != "dumb":
        return "bar"
    return "plain"


def _setup_logging(verbose: bool, quiet: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    log.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)


def _cmd_build(args) -> int:
    from warmth.site.build import build_site

    result = build_site(
        Path(args.root),
        data=Path(args.data),
        output=Path(args.output),
        settings_file=Path(args.settings),
        cache=None if args.no_cache else args.cache,
        overrides={"WARMTH_PENDING_REDACTIONS": True} if args.pending_redactions else None,
    )
    report = result.report
    if args.report:
        import json

        Path(args.report).write_text(
            json.dumps(
                {"seconds": result.seconds, "records": report.records, "timings": report.timings, "unchanged": result.unchanged},
                indent=2,
            ),
            encoding="utf-8",
        )
    if result.unchanged:
        print(
            f"输入、代码、主题和设置都没有变化，网站已是最新：{result.output}（{report.records:,} 条记录，"
            f"检查用时 {result.seconds:.2f} 秒），没有重新生成。\n"
            f"Nothing changed (data, content, theme, plugins, settings) and the site is intact: {result.output} "
            f"({report.records:,} records; checked in {result.seconds:.2f} s). Not rebuilt."
        )
        return 0
    timings = "，".join(f"{k} {v:.2f}s" for k, v in report.timings.items())
    print(
        f"网站已生成：{result.output}（{report.records:,} 条记录，{report.pages} 个数据页面，"
        f"用时 {result.seconds:.1f} 秒）\n"
        f"Site built in {result.output} ({report.records:,} records, {report.pages} data pages, "
        f"{result.seconds:.1f} s). Steps: {timings}"
    )
    if args.pending_redactions:
        print(
            "注意：这个网站含有尚未记入账本的删除，请勿发布；make redact 会记入账本并重新生成。\n"
            "Note: this site holds redactions not yet in the ledger; do not publish it. make redact records them and builds again.",
            file=sys.stderr,
        )
    return 0


def _cmd_check(args) -> int:
    from warmth.core.problems import DataError
    from warmth.staff.check import check_incoming, write_report

    data = Path(args.data)
    single = Path(args.file) if args.file else None
    if single is not None and not single.is_file():
        from warmth.pii.detect import mask

        print(mask(f"找不到文件 {single} / file not found: {single}"), file=sys.stderr)
        return 1
    if args.report and single is not None:  # refuse a wrong REPORT= before the check, not after
        from warmth.staff.check import REPORT_NAME
        from warmth.staff.targets import check_target

        check_target(Path(args.report), *REPORT_NAME, replace=args.replace, reads=[single])
    notices: list[str] = []
    from warmth.staff.check_findings import check_folder, findings_report, findings_with, placement_note

    findings = None
    if single:
        problems, where = check_incoming(data, single, notices)
    else:
        (problems, findings), where = check_folder(data), None
    for line in notices:  # form-style sheets: what was read past (title lines, totals, footers)
        print(f"说明 / note: {line}", file=sys.stderr)
    if where is not None and where.destination:
        print(placement_note(where), file=sys.stderr)
    if not problems:
        what = single or data
        print(f"检查通过，没有发现问题：{what}\nNo problems found: {what}")
        if where is not None:
            findings = findings_with(data, single, where)
        if findings is not None:
            print("\n" + findings_report(findings, where.destination if where is not None else ""))
        return 0
    print(DataError(problems).report(building=False), file=sys.stderr)
    if args.report:
        written = write_report(
            problems, data, Path(args.report), protected=[data, Path(args.root) / "output"], single=single, replace=args.replace
        )
        for path in written:
            print(f"已写出给报送单位的修改清单 / report for the district written: {path}", file=sys.stderr)
    return 1


def _cmd_accept(args) -> int:
    from warmth.staff.accept import command

    status, out, err = command(Path(args.data), Path(args.file), args.round or None)
    for text in filter(None, (out, err)):
        print(text, file=sys.stdout if text is out else sys.stderr)
    return status


def _cmd_keygen(args) -> int:
    from warmth.staff.keys import keygen

    path = keygen(Path(args.key))
    print(
        f"已生成密钥：{path}（32 字节，仅本人可读）。请备份到安全处；整个活动只用这一个密钥。\n"
        f"Key written: {path} (32 bytes, owner-only). Back it up safely; use this one key for the whole campaign."
    )
    return 0


def _cmd_signkey(args) -> int:
    from warmth.staff.notice import signkey_text
    from warmth.staff.signing import signkey

    data = Path(args.data)
    path, pem = signkey(Path(args.key), data)
    print(signkey_text(path, pem, data))
    return 0


def _signing_key(arg: str | None):
    """The signing key given (--signkey, $WARMTH_SIGNKEY, or ./ledger-signing.key), loaded; None when there is none."""
    from warmth.staff.signing import find_signing_key, load_signing_key

    path = find_signing_key(Path(arg) if arg else None)
    return load_signing_key(path) if path is not None else None


def _print_head(data: Path) -> None:
    """The ledger's new head hash, for the round's official notice, and whether the line is signed."""
    from warmth.staff.notice import head_text

    text, warning = head_text(data)
    print(text)
    if warning:
        print(warning, file=sys.stderr)


def _cmd_anonymize(args) -> int:
    from warmth.staff.anonymize import anonymize, format_rejected
    from warmth.staff.keys import load_key

    key = load_key(Path(args.key) if args.key else None)
    warnings: list = []
    written, rejected = anonymize(
        Path(args.table), Path(args.out), key=key, rejects=Path(args.rejects) if args.rejects else None,
        protected=(Path(args.data),), replace=args.replace, warnings=warnings,
    )
    print(f"已写出 {written} 条公开记录：{args.out}\n{written} public records written: {args.out}")
    if warnings:
        print(f"有 {len(warnings)} 处需要核对（行已写出）/ {len(warnings)} warning(s), rows written:\n" + format_rejected(warnings), file=sys.stderr)
    if rejected:
        print(f"有 {len(rejected)} 行未写出，请核对后重新运行 / {len(rejected)} rows left out:\n" + format_rejected(rejected), file=sys.stderr)
        return 1
    return 0


def _cmd_audit_report(args) -> int:
    from warmth.staff.audit_report import write_audit_report

    count = write_audit_report(Path(args.data), Path(args.out), replace=args.replace)
    print(
        f"已写出内部核查报告：{args.out}（{count} 条逐人核查结果，含受助人编码，仅供工会内部纪检使用，不得公开）。\n"
        f"Audit report written: {args.out} ({count} person-level findings with recipient refs; internal only, never publish it)."
    )
    return 0


def _cmd_seal(args) -> int:
    import datetime as dt

    from warmth.staff.seal import seal

    key = _signing_key(args.signkey)
    manifest = seal(Path(args.data), args.round, Path(args.output) / "data", sealed_on=args.date or dt.date.today().isoformat(), key=key)
    print(
        f"批次 {manifest['round']} 已封存：{len(manifest['inputs'])} 个原始文件、{len(manifest['published'])} 个公开文件。"
        f"请把 {Path(args.data) / 'ledger.jsonl'} 和 {Path(args.data) / 'sealed' / manifest['round']} 提交到 git。\n"
        f"Round {manifest['round']} sealed. Commit data/ledger.jsonl and data/sealed/{manifest['round']}/."
    )
    _print_head(Path(args.data))
    return 0


def _cmd_redact(args) -> int:
    import datetime as dt

    from warmth.staff.redact import redact

    key = _signing_key(args.signkey)
    lines = redact(Path(args.data), Path(args.output) / "data", redacted_on=args.date or dt.date.today().isoformat(), key=key)
    if not lines:
        print("没有需要记入账本的删除：已封存的批次都不缺。/ No redaction of a sealed round is waiting for the ledger.")
        return 0
    for line in lines:
        ids = "、".join(r["id"] for r in line["redactions"])
        print(f"批次 {line['round']}：已记入删除 {ids}，存档已改写。/ Round {line['round']}: redaction(s) {ids} recorded, archive rewritten.")
    print(
        f"请重新生成网站（make site）并发布，然后把 {Path(args.data) / 'ledger.jsonl'}、{Path(args.data) / 'sealed'}/、"
        "redactions.csv 和改过的输入文件一起提交到 git（git 历史里的旧版本仍有这个值，需另行处理）。\n"
        "Build again (make site) and publish, then commit data/ledger.jsonl, data/sealed/, data/redactions.csv and the "
        "edited input files together (old versions in the git history still hold the value and need separate handling)."
    )
    _print_head(Path(args.data))
    return 0


def _cmd_verify(args) -> int:
    from warmth.audit.command import main as verify_main  # the same command as make verify and /data/verify.py

    return verify_main([args.site, *(["--since", args.since] if args.since else []), *(["--pubkey", args.pubkey] if args.pubkey else [])])


def _cmd_serve(args) -> int:
    from warmth.site.serve import serve

    return serve(Path(args.root), data=Path(args.data), output=Path(args.output), port=args.port)


def _cmd_sample(args) -> int:
    from warmth.tools.sample import main as sample_main

    argv = ["--out", args.out, "--records", str(args.records), "--seed", str(args.seed)]
    if args.campaign:
        argv += ["--campaign", args.campaign]
    return sample_main(argv)


UNEXPECTED_CHARS = 300  # an unexpected error's text may quote input: masked, and no longer than this


def _quoted(exc: BaseException) -> str:
    from warmth.core.problems import excerpt

    text = str(exc) if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"
    return excerpt(text, UNEXPECTED_CHARS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="warmth", description="送温暖活动款物公开网站 / relief disclosure site")
    parser.add_argument("--debug", action="store_true", help="出错时显示调用栈 / show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="生成网站 / build the site")
    p.add_argument("--root", default=".", help="项目根目录 / project root")
    p.add_argument("--data", default="data", help="数据文件夹 / data folder")
    p.add_argument("--output", default="output", help="输出文件夹 / output folder")
    p.add_argument("--settings", default="pelicanconf.py", help="Pelican 设置文件 / settings file")
    p.add_argument("--no-cache", action="store_true", help="不使用缓存 / do not use the cache")
    p.add_argument("--cache", default="", help="缓存文件夹（默认用设置中的 WARMTH_CACHE）/ cache folder (default: the settings' WARMTH_CACHE)")
    p.add_argument("--report", default=None, help="把用时写入 JSON 文件 / write step timings to a JSON file")
    p.add_argument("--pending-redactions", action="store_true",
                   help="已封存批次有尚未记入账本的删除时也生成（make redact 用）/ build with redactions not yet in the ledger (for make redact)")
    p.add_argument("--quiet", action="store_true", help="不显示进度，只显示警告和错误 / no progress, only warnings and errors")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser("check", help="只检查数据，不生成网站 / check data without building")
    p.add_argument("--root", default=".")
    p.add_argument("--data", default="data", help="数据文件夹 / data folder")
    p.add_argument("--file", default=None, help="只检查这一个新文件（CSV 或 xlsx）/ check one incoming file")
    p.add_argument("--report", default=None, help="把问题清单写成表格（.csv 或 .xlsx；检查整个文件夹时为文件夹）/ write a report")
    p.add_argument("--replace", action="store_true", help=REPLACE_HELP)
    p.add_argument("--quiet", action="store_true", help="不显示进度，只显示警告和错误 / no progress, only warnings and errors")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("accept", help="检查并放入区县文件（替换同批次同区县的旧文件）/ check a district file and put it in place")
    p.add_argument("--data", default="data", help="数据文件夹 / data folder")
    p.add_argument("--file", required=True, help="收到的文件（CSV 或 xlsx）/ the incoming file")
    p.add_argument("--round", default=None, help="批次（默认按文件内容判断）/ round (default: from the file's rows)")
    p.set_defaults(func=_cmd_accept)

    p = sub.add_parser("keygen", help="生成匿名化密钥（每个活动一次）/ create the anonymization key")
    p.add_argument("--key", default="campaign.key", help="密钥文件（放在数据和网站文件夹之外）/ key file")
    p.set_defaults(func=_cmd_keygen)

    p = sub.add_parser("signkey", help="生成账本签名密钥（工会一次）/ create the union's ledger signing key, once")
    p.add_argument("--key", default="ledger-signing.key", help="私钥文件（*.key，放在数据和网站文件夹之外）/ the private key file")
    p.add_argument("--data", default="data", help="公钥写入这里 / the public key is written here")
    p.set_defaults(func=_cmd_signkey)

    p = sub.add_parser("anonymize", help="实名制汇总表 → 公开记录 / real-name table → public records")
    p.add_argument("--key", default=None, help="密钥文件；默认取环境变量 WARMTH_KEY_FILE / key file")
    p.add_argument("--table", required=True, help="实名制汇总表（.xlsx 或 .csv）/ the real-name table")
    p.add_argument("--out", required=True, help="公开记录 CSV / public records CSV")
    p.add_argument("--rejects", default=None, help="未写出的行（仅供工作人员）/ rows left out, for staff only")
    p.add_argument("--data", default="data", help="数据文件夹：不会写进这里 / data folder, never written into")
    p.add_argument("--replace", action="store_true", help=REPLACE_HELP)
    p.set_defaults(func=_cmd_anonymize)

    p = sub.add_parser("audit-report", help="内部核查报告（含受助人编码，不公开）/ the private audit report")
    p.add_argument("--data", default="data")
    p.add_argument("--out", required=True, help="报告文件（.csv，放在 private/ 里）/ the report (.csv, in private/)")
    p.add_argument("--replace", action="store_true", help="替换已有的文件 / replace an existing file")
    p.set_defaults(func=_cmd_audit_report)

    p = sub.add_parser("seal", help="封存已发布的批次 / seal a published round")
    p.add_argument("--data", default="data")
    p.add_argument("--output", default="output", help="刚生成并发布的网站 / the site just built and published")
    p.add_argument("--round", required=True)
    p.add_argument("--date", default=None, help="封存日期，默认今天 / seal date (default today)")
    p.add_argument("--signkey", default=None,
                   help="签名私钥；默认取环境变量 WARMTH_SIGNKEY，或当前文件夹的 ledger-signing.key / the signing key")
    p.set_defaults(func=_cmd_seal)

    p = sub.add_parser("redact", help="把已封存批次中的删除记入账本 / record take-downs of sealed rounds in the ledger")
    p.add_argument("--data", default="data")
    p.add_argument("--output", default="output", help="刚用 --pending-redactions 生成的网站 / the site just built with --pending-redactions")
    p.add_argument("--date", default=None, help="删除日期，默认今天 / date (default today)")
    p.add_argument("--signkey", default=None,
                   help="签名私钥；默认取环境变量 WARMTH_SIGNKEY，或当前文件夹的 ledger-signing.key / the signing key")
    p.set_defaults(func=_cmd_redact)

    p = sub.add_parser("verify", help="审计核对下载的数据 / the auditor's check")
    p.add_argument("site", help="网站文件夹或下载的 data 文件夹 / a built site or a downloaded /data/ folder")
    p.add_argument("--since", default=None,
                   help="以前保存的 ledger.jsonl 或最新哈希：核对它仍是今天账本的开头 / an earlier ledger.jsonl or head hash")
    p.add_argument("--pubkey", default=None, help="公告中的工会公钥（PEM）：核对每一行的签名 / the union's public key, from its notice")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("serve", help="本地预览并在修改后自动重建 / preview locally, rebuilding on change")
    p.add_argument("--root", default=".")
    p.add_argument("--data", default="data")
    p.add_argument("--output", default="output")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("sample", help="生成示例数据 / generate sample data")
    p.add_argument("--out", default="data")
    p.add_argument("--campaign", default=None)
    p.add_argument("--records", type=int, default=6000)
    p.add_argument("--seed", type=int, default=2012)
    p.set_defaults(func=_cmd_sample)

    args = parser.parse_args(argv)
    quiet = getattr(args, "quiet", False)
    _setup_logging(verbose=args.debug, quiet=quiet)
    try:
        with display(_progress_mode(quiet)):
            return args.func(args)
    except WarmthError as exc:
        if args.debug:
            raise
        from warmth.pii.detect import mask

        print(mask(exc.report()), file=sys.stderr)  # messages may quote a cell: never print personal data
        return 1
    except OSError as exc:
        if args.debug:
            raise
        print(f"文件操作失败 / file operation failed: {_quoted(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - last resort: a message, not a traceback
        if args.debug:
            raise
        print(
            f"构建失败 / build failed: {_quoted(exc)}\n"
            "加 --debug 查看详细信息 / run with --debug for details",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130
