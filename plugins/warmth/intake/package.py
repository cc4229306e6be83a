"""The .xlsx container, opened as if it were hostile.

An .xlsx file is a zip of XML parts. Before any part is parsed:

- the zip's directory is checked against the caps below: how many parts, how
  large each part and all of them are once unpacked, and how much each part
  expands (a zip bomb: 227 KB that unpack to one 200 MB string is refused
  from the directory alone, in milliseconds, without unpacking a byte);
- while a part is read, zipfile stops at the size the directory declared (a
  part that claims to be small and is not ends in a CRC error), and the bytes
  read are counted again here.

Every XML part that is read is first checked by defusedxml up to its root
element — the only place a DTD, and so an entity declaration or an external
entity, can stand — and refused if it has one; only then does the standard
library's C parser read the part (without a DTD, expat knows no entity but
the five predefined ones, so nothing can expand or be fetched).

Problems are raised as `Refused` (a problem code of core/codes.py, its
variant and values); `sources.read_xlsx` turns them into `SourceError`.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

MiB = 1 << 20
# A district's workbook has about ten parts; a few hundred means something else.
XLSX_MAX_PARTS = 1_000
DIRECTORY_ENTRY_BYTES = 1_024  # room per part in the zip's directory (46 bytes and a name)
# One part unpacked: 50,000 records of 16 columns are a 25–45 MB sheet.
XLSX_MAX_PART_BYTES = 100 * MiB
# All parts unpacked together.
XLSX_MAX_TOTAL_BYTES = 200 * MiB
# Unpacked / packed size of one part. Real sheets, even of identical rows or of
# formatted empty cells, pack 8–20 times; a zip bomb packs about 1,000 times.
XLSX_MAX_RATIO = 100
# Parts smaller than this are too small to hurt, whatever their ratio.
XLSX_RATIO_FLOOR = 1 * MiB
# XML elements in one row of a sheet, or in one shared string: 16,384 cells of a few elements each.
XLSX_MAX_RECORD_ELEMENTS = 100_000
# Nesting of XML elements (a sheet is about 6 deep).
XLSX_MAX_DEPTH = 64

CHUNK = 1 << 14  # 16 KiB, as ElementTree.iterparse reads: measurably faster than larger chunks


class Refused(Exception):
    """A workbook refused: a problem code, its message variant and the values for its template."""

    def __init__(self, rule: str, variant: str = "", **values):
        self.rule, self.variant, self.values = rule, variant, values
        super().__init__(rule, variant)


def unreadable(detail: str = "") -> Refused:
    """Damage or a shape no spreadsheet program writes (``detail``: a few words, never file content)."""
    return Refused(
        "unreadable", "xlsx",
        detail_zh=f"（{detail}）" if detail else "", detail_en=f" ({detail})" if detail else "",
    )


def _mb(size: int) -> str:
    return f"{size / MiB:,.1f}".removesuffix(".0")


def _directory(raw: bytes) -> tuple[int, int]:
    """(parts, bytes) of the zip's central directory, from its end record, before zipfile reads it.

    zipfile turns every directory entry into an object before anything can be
    counted: a small file could hold millions. ZIP64 counts (0xFFFF) count as too many.
    """
    end = raw.rfind(b"PK\x05\x06", max(0, len(raw) - 22 - 0xFFFF))
    if end < 0 or len(raw) < end + 22:
        raise unreadable("no zip directory")
    return int.from_bytes(raw[end + 10 : end + 12], "little"), int.from_bytes(raw[end + 12 : end + 16], "little")


class Package:
    """The parts of an .xlsx file, checked against the caps before anything is unpacked."""

    def __init__(self, raw: bytes):
        count, size = _directory(raw)
        if count > XLSX_MAX_PARTS or size > XLSX_MAX_PARTS * DIRECTORY_ENTRY_BYTES:
            raise Refused("xlsx-too-large", "parts", count=f"{count:,}", max=f"{XLSX_MAX_PARTS:,}")
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(raw))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
            raise unreadable(type(exc).__name__) from None
        if len(infos) > XLSX_MAX_PARTS:
            raise Refused("xlsx-too-large", "parts", count=f"{len(infos):,}", max=f"{XLSX_MAX_PARTS:,}")
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            raise unreadable("duplicate part")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise Refused("unsupported-format", "encrypted")
            if info.file_size > XLSX_RATIO_FLOOR and info.file_size > XLSX_MAX_RATIO * max(info.compress_size, 1):
                ratio = info.file_size // max(info.compress_size, 1)
                raise Refused("xlsx-compression-ratio", ratio=f"{ratio:,}", max=XLSX_MAX_RATIO, size=_mb(info.file_size))
            if info.file_size > XLSX_MAX_PART_BYTES:
                raise Refused("xlsx-too-large", "part", size=_mb(info.file_size), max=_mb(XLSX_MAX_PART_BYTES))
            total += info.file_size
        if total > XLSX_MAX_TOTAL_BYTES:
            raise Refused("xlsx-too-large", "total", size=_mb(total), max=_mb(XLSX_MAX_TOTAL_BYTES))
        self._infos = {info.filename: info for info in infos}
        self.lower = {name.lower(): name for name in names}  # Excel compares part names without case

    def has(self, name: str) -> bool:
        return name in self._infos

    def close(self) -> None:
        self._zip.close()

    def _chunks(self, name: str) -> Iterator[bytes]:
        """The unpacked bytes of a part, never more than its declared size."""
        left = self._infos[name].file_size
        try:
            with self._zip.open(name) as stream:
                while chunk := stream.read(CHUNK):
                    left -= len(chunk)
                    if left < 0:  # zipfile stops at the declared size; this is a second lock
                        raise unreadable("part larger than declared")
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
            raise unreadable(type(exc).__name__) from None

    def _check_prolog(self, name: str) -> str:
        """defusedxml reads the part up to its root element: no DTD, no entities, nothing external.

        Returns the root element's tag (``{namespace}name``).
        """
        parser = DefusedXMLParser(target=_StopAtRoot(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
        try:
            for chunk in self._chunks(name):
                parser.feed(chunk)
            parser.close()
        except _RootReached as root:
            return root.tag
        except DefusedXmlException:
            raise Refused("xlsx-unsafe-xml", part=name) from None
        except ET.ParseError:
            raise unreadable("XML") from None
        raise unreadable("XML")  # a part without a root element

    def records(self, name: str, wanted: tuple[str, ...]) -> Iterator[tuple[str, ET.Element, str]]:
        """(name, element, parent's name) of every ``wanted`` element of a part, whole, once it has ended.

        Names are local (``row``, not ``{namespace}row``); ``wanted`` elements nested
        in a wanted one are part of it. Everything else is dropped as soon as it
        ends, and a wanted element once the caller has had it, so memory holds one
        record at a time, whatever the part holds; a record of more than
        `XLSX_MAX_RECORD_ELEMENTS` elements, or nesting deeper than
        `XLSX_MAX_DEPTH`, is refused. Checked by `_check_prolog` first.
        """
        root = self._check_prolog(name)
        ns = root[: root.find("}") + 1]
        full = {ns + w: w for w in wanted}
        parser = ET.XMLPullParser(events=("start", "end"))
        stack: list[ET.Element] = []
        record, inside = None, 0
        try:
            for chunk in self._chunks(name):
                parser.feed(chunk)
                for event, el in parser.read_events():
                    if record is not None:  # inside a record: keep everything until it ends
                        if event == "start":
                            inside += 1
                            if inside > XLSX_MAX_RECORD_ELEMENTS:
                                raise Refused("xlsx-too-large", "elements", max=f"{XLSX_MAX_RECORD_ELEMENTS:,}")
                        elif el is record:
                            stack.pop()
                            record = None
                            yield full[el.tag], el, stack[-1].tag.rpartition("}")[2] if stack else ""
                            if stack:
                                stack[-1].clear()
                        continue
                    if event == "start":
                        stack.append(el)
                        if len(stack) > XLSX_MAX_DEPTH:
                            raise unreadable("nesting")
                        if el.tag in full:
                            record, inside = el, 0
                        continue
                    stack.pop()
                    if stack:
                        stack[-1].clear()  # what has ended is of no use: drop it
            parser.close()
        except ET.ParseError:
            raise unreadable("XML") from None


class _RootReached(Exception):
    def __init__(self, tag: str):
        super().__init__(tag)
        self.tag = tag


class _StopAtRoot:
    """A parser target that stops the parse at the root element's start tag."""

    def start(self, tag, attrib):
        raise _RootReached(tag)

    def end(self, tag):
        pass

    def data(self, data):
        pass

    def close(self):
        return None
