"""Build the site safely: into a fresh folder beside the output, then swap.

- Any error Pelican only *logs* (a plugin that fails to import, a template
  error) fails the build, instead of Pelican's exit 0.
- A failed build leaves the previous output exactly as it was; a killed one
  leaves at worst a staging folder, removed by the next build (site/swap.py).
- One build at a time into one output (site/lock.py); only a folder the
  build itself marked is ever replaced (site/target.py).
- Pelican's log de-duplication state is reset, so in-process builds (tests)
  never hide a repeated warning.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from warmth.core.files import atomic_write
from warmth.core.layout import BUILD_MARKER, SUMS_PATH, marker_bytes
from warmth.core.problems import BuildError, ConfigError
from warmth.site import uptodate
from warmth.site.lock import output_lock
from warmth.site.mtimes import keep_times
from warmth.site.swap import new_staging, pause_for_tests, swap_in, sweep
from warmth.site.target import check_replaceable, refuse_project_folders

log = logging.getLogger("warmth")

PLUGIN_NAME = "warmth"


class _ErrorCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass(frozen=True)
class Unchanged:
    """The report of a build that found nothing changed: what the last full build said."""

    records: int = 0
    pages: int = 0
    timings: dict = field(default_factory=dict)


@dataclass(frozen=True)
class BuildResult:
    output: Path
    seconds: float
    report: object  # site.generator.BuildReport, or Unchanged
    unchanged: bool = False


def _reset_pelican_log_state() -> None:
    from pelican.log import LimitFilter

    LimitFilter._ignore = set()
    LimitFilter._raised_messages = set()
    LimitFilter._group_count.clear()


def build_site(
    root: Path,
    *,
    data: Path,
    output: Path,
    settings_file: Path | None = None,
    cache: Path | None | str = "",
    overrides: dict | None = None,
    wait: float | None = None,
) -> BuildResult:
    """Build ``data`` into ``output`` with the settings file; raise WarmthError on failure.

    ``cache`` "" keeps the settings' cache, None disables it, a path replaces it.
    ``wait``: seconds to wait for another build into the same output (None:
    $WARMTH_BUILD_WAIT, else 600), then refuse.
    """

    start = time.perf_counter()
    root = Path(root).resolve()
    data = (root / data).resolve()
    output = (root / output).resolve()
    settings_file = (root / (settings_file or "pelicanconf.py")).resolve()
    if not settings_file.exists():
        raise ConfigError(f"找不到设置文件 {settings_file} / settings file not found")
    if not data.is_dir():
        raise ConfigError(f"找不到数据文件夹 {data} / data folder not found: {data}")
    refuse_project_folders(output, root, [data, root / "content", root / "theme", root / "plugins"])
    output.parent.mkdir(parents=True, exist_ok=True)
    cache_dir = _cache_dir(root, settings_file, cache, overrides)
    inputs = _inputs(root, data, settings_file)
    with output_lock(output, wait):
        sweep(output)
        check_replaceable(output)
        state = env = previous = None
        if cache_dir is not None:
            state = uptodate.state_path(cache_dir, output)
            env = uptodate.environment(settings_file, data, cache_dir, overrides)
            kept = uptodate.unchanged(state, output, env, inputs)
            if kept is not None:
                summary = kept.get("summary") or {}
                report = Unchanged(records=int(summary.get("records", 0)), pages=int(summary.get("pages", 0)))
                return BuildResult(output, time.perf_counter() - start, report, unchanged=True)
            previous = uptodate.load(state)
            uptodate.forget(state)  # from here until the new state is stored, the next build builds
            snapshot = uptodate.snapshot_inputs(inputs, (previous or {}).get("inputs"))
        staging = new_staging(output)
        report, named = _build_into(staging, root, data, settings_file, cache, overrides)
        began = time.perf_counter()
        try:
            keep_times(staging, output, _as_swapped(previous, output))  # only reads the previous output
        except OSError:
            pass  # best effort: a new time uploads a file again, nothing worse
        report.timings["times"] = time.perf_counter() - began
        pause_for_tests("staged")
        try:
            swap_in(staging, output, cache_dir / "trash" if cache_dir is not None else None)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)  # nothing was swapped: the previous output stands
            raise
        if state is not None:
            extra = [p for p in named if str(p.resolve()) not in snapshot]
            snapshot.update(uptodate.snapshot_inputs(extra))
            uptodate.save(state, output, env, snapshot, {"records": report.records, "pages": report.pages})
    return BuildResult(output, time.perf_counter() - start, report)


def _as_swapped(previous: dict | None, output: Path) -> dict | None:
    """The previous output's files as its build swapped them in (site/uptodate.py), if ``output`` is still that
    very folder; else None."""
    recorded = (previous or {}).get("output") or {}
    try:
        here = os.stat(output)
    except OSError:
        return None
    if recorded.get("folder") != [here.st_dev, here.st_ino] or not isinstance(recorded.get("files"), dict):
        return None
    return recorded["files"]


def _inputs(root: Path, data: Path, settings_file: Path) -> list[Path]:
    """What a build reads whatever the settings say (the settings may name more: see _build_into)."""
    return [data, root / "content", root / "theme", root / "plugins", settings_file, root / "pelicanconf.py", root / "publishconf.py"]


def _cache_dir(root: Path, settings_file: Path, cache, overrides: dict | None) -> Path | None:
    """The cache folder the build will use, found without Pelican (None: no cache, so no up-to-date check)."""
    if cache is None:
        return None
    if cache != "":
        return (root / cache).resolve()
    if overrides and "WARMTH_CACHE" in overrides:
        value = overrides["WARMTH_CACHE"]
    else:
        import runpy

        cwd = os.getcwd()
        try:
            os.chdir(root)
            with contextlib.redirect_stdout(io.StringIO()):
                value = runpy.run_path(str(settings_file)).get("WARMTH_CACHE", ".cache/warmth")
        except Exception:  # noqa: BLE001 - Pelican reports a broken settings file itself
            return None
        finally:
            os.chdir(cwd)
    return (root / value).resolve() if isinstance(value, str) and value else None


def _build_into(staging: Path, root: Path, data: Path, settings_file: Path, cache, overrides: dict | None):
    """Build into ``staging`` and check the result; on any failure remove it and raise.

    Returns the generator's BuildReport and the folders the settings name (inputs of the next up-to-date check).
    """
    from pelican import Pelican, signals
    from pelican.settings import read_settings

    from warmth.site.generator import WarmthGenerator
    from warmth.site.search_index import SearchIndex

    override = {
        "OUTPUT_PATH": str(staging),
        "WARMTH_DATA": str(data),
        "WARMTH_ROOT": str(root),
        "DELETE_OUTPUT_DIRECTORY": False,
        **(overrides or {}),
    }
    if cache is None:
        override["WARMTH_CACHE"] = ""
    elif cache != "":
        override["WARMTH_CACHE"] = str((root / cache).resolve())

    collector = _ErrorCollector()
    built: list = []  # the plugin's generator, caught when Pelican announces its generators

    def catch(generators) -> None:
        built.extend(g for g in generators if isinstance(g, WarmthGenerator))

    signals.all_generators_finalized.connect(catch)
    root_logger = logging.getLogger()
    root_logger.addHandler(collector)
    cwd = os.getcwd()
    try:
        _reset_pelican_log_state()
        os.chdir(root)  # Pelican resolves PATH, THEME and plugin paths from here
        settings = read_settings(str(settings_file), override=override)
        pelican = Pelican(settings)
        named = [Path(settings[k]) for k in ("PATH", "THEME") if isinstance(settings.get(k), str)]
        named += [root / p for p in settings.get("PLUGIN_PATHS", []) if isinstance(p, str)]
        notes = settings.get("WARMTH_ROUND_NOTES")
        named += [root / notes] if isinstance(notes, str) and notes else []
        loaded = {getattr(p, "__name__", str(p)).rsplit(".", 1)[-1] for p in pelican.plugins}
        if PLUGIN_NAME not in loaded:
            raise BuildError(
                f"插件 {PLUGIN_NAME} 未能加载，网站未生成。/ Plugin {PLUGIN_NAME} did not load; the site was not built.\n"
                + "\n".join(collector.messages)
            )
        with contextlib.redirect_stdout(io.StringIO()) as summary:
            pelican.run()  # its "Processed 0 articles…" summary would only confuse staff
        log.debug(summary.getvalue().strip())
        if collector.messages:
            raise BuildError(
                "构建过程中出现错误，网站未生成。/ Errors were logged during the build; the site was not built.\n"
                + "\n".join(f"  - {m}" for m in collector.messages)
            )
        if not (staging / SUMS_PATH).exists():
            raise BuildError(
                f"插件 {PLUGIN_NAME} 没有生成数据文件，网站未生成。/ Plugin {PLUGIN_NAME} wrote no data files."
            )
        report = built[0].report
        search = SearchIndex(staging)  # the search index of the staged pages, written while they are checked
        try:
            _last_checks(staging, report)
            search.finish()  # part of the output (site/search_index.py)
        except BaseException:
            search.stop()
            raise
        atomic_write(staging / BUILD_MARKER, marker_bytes())  # last: only a checked, complete site is marked
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        os.chdir(cwd)
        root_logger.removeHandler(collector)
        signals.all_generators_finalized.disconnect(catch)
    return report, [p if p.is_absolute() else root / p for p in named]


def _last_checks(staging: Path, report) -> None:
    """No personal data in any page's text, and nothing fetched from another host (site/scan.py)."""
    from warmth.site.scan import personal_data_in_pages, shown_short, third_party_requests

    leaked = personal_data_in_pages(staging, report.allowed_emails, report.allowed_phones, shown_short(staging))
    if leaked:
        raise BuildError(
            "页面中发现疑似个人信息（例如写进批次说明或关于页面的号码），网站未生成：\n"
            "Pages would show what looks like personal data (e.g. typed into a narrative or the about page):\n"
            + "\n".join(f"  - {page}: {masked}" for page, masked in leaked)
        )
    external = third_party_requests(staging)
    if external:
        raise BuildError(
            "页面会从第三方网站加载内容（在国内网络可能无法访问，也会泄露访问者信息），网站未生成：\n"
            "Pages would load resources from third parties; the site was not built:\n"
            + "\n".join(f"  - {page}: {url}" for page, url in external)
        )
