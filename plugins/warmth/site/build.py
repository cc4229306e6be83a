"""Build the site safely: into a fresh folder beside the output, then swap.

- Any error Pelican only *logs* (a plugin that fails to import, a template
  error) fails the build, instead of Pelican's exit 0.
- A failed build leaves the previous output exactly as it was.
- Pelican's log de-duplication state is reset, so in-process builds (tests)
  never hide a repeated warning.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pelican import Pelican, signals
from pelican.settings import read_settings

from warmth.core.layout import OUTPUT_MARKER
from warmth.core.problems import BuildError, ConfigError
from warmth.site.generator import BuildReport, WarmthGenerator
from warmth.site.scan import personal_data_in_pages, third_party_requests
from warmth.site.search_index import index_site

log = logging.getLogger("warmth")

PLUGIN_NAME = "warmth"


class _ErrorCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass(frozen=True)
class BuildResult:
    output: Path
    seconds: float
    report: BuildReport


def _reset_pelican_log_state() -> None:
    from pelican.log import LimitFilter

    LimitFilter._ignore = set()
    LimitFilter._raised_messages = set()
    LimitFilter._group_count.clear()


def _check_output_target(output: Path, root: Path, sources: list[Path]) -> None:
    """Refuse an output folder that is, contains or lies inside the project's sources."""
    output = output.resolve()
    for path in [root, *sources]:
        path = path.resolve()
        inside = path != root and path in output.parents
        if output == path or output in path.parents or inside:
            raise ConfigError(
                f"输出文件夹 {output} 是项目自己的文件夹（或包含 {path}），生成网站会覆盖它，已拒绝。\n"
                f"Output folder {output} is, or contains, the project's own folder {path}; refused."
            )
    if output.exists() and any(output.iterdir()) and not (output / OUTPUT_MARKER).exists():
        raise ConfigError(
            f"输出文件夹 {output} 不是空的，也不是之前生成的网站，已拒绝覆盖。\n"
            f"Output folder {output} is not empty and is not a previous build; refusing to replace it."
        )


def build_site(
    root: Path,
    *,
    data: Path,
    output: Path,
    settings_file: Path | None = None,
    cache: Path | None | str = "",
    overrides: dict | None = None,
) -> BuildResult:
    """Build ``data`` into ``output`` with the settings file; raise WarmthError on failure.

    ``cache`` "" keeps the settings' cache, None disables it, a path replaces it.
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
    _check_output_target(output, root, [data, root / "content", root / "theme", root / "plugins"])

    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-", dir=output.parent))
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
        if not (staging / OUTPUT_MARKER).exists():
            raise BuildError(
                f"插件 {PLUGIN_NAME} 没有生成数据文件，网站未生成。/ Plugin {PLUGIN_NAME} wrote no data files."
            )
        report = built[0].report
        leaked = personal_data_in_pages(staging, report.allowed_emails, report.allowed_phones)
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
        index_site(staging)  # the search index of the staged pages: part of the output (site/search_index.py)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        os.chdir(cwd)
        root_logger.removeHandler(collector)
        signals.all_generators_finalized.disconnect(catch)

    _swap_in(staging, output)
    return BuildResult(output, time.perf_counter() - start, report)


def _swap_in(staging: Path, output: Path) -> None:
    """Replace ``output`` with ``staging`` using renames only (same parent folder)."""
    os.chmod(staging, 0o755)  # mkdtemp makes it 0700
    old = None
    if output.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
        os.rmdir(old)
        os.replace(output, old)
    os.replace(staging, output)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
