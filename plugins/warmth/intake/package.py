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
from collections.abc import Generator, Iterator

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
# Bytes parsed before the tree is looked at (`_batches`): the tree built in between stays in
# the CPU cache (8 KiB: a 50,000-row sheet is read 15 % faster than with 16 KiB).
FEED = 1 << 13


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
        in a wanted one are part of it. Everything else is dropped once it has
        ended, and a wanted element once the caller has had it, so memory holds
        what one chunk of the part holds, whatever the part holds; a record of
        more than `XLSX_MAX_RECORD_ELEMENTS` elements, or nesting deeper than
        `XLSX_MAX_DEPTH`, is refused. Checked by `_check_prolog` first.

        The C parser builds the tree without Python code per element (`_batches`);
        anything out of the ordinary there — XML or zip damage, deep nesting, a
        large record — hands over to `_events`, which reads the part again, one
        parse event at a time, from the start, and checks and refuses
        everything in the order the part holds it; it skips the records already
        given, so the caller sees the same records and the same refusal either way.
        """
        root = self._check_prolog(name)
        ns = root[: root.find("}") + 1]
        full = {ns + w: w for w in wanted}
        given = 0
        batches = _batches(self._chunks(name), full)
        while True:
            try:
                batch = next(batches, None)
            except _Unusual:
                break
            if batch is None:
                return
            given += len(batch)
            yield from batch
        yield from self._events(name, full, given)

    def _events(self, name: str, full: dict[str, str], skip: int = 0) -> Iterator[tuple[str, ET.Element, str]]:
        """`records` one parse event at a time, the first ``skip`` records not given."""
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
                            if skip:
                                skip -= 1
                            else:
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


class _Unusual(Exception):
    """What `_batches` leaves to `Package._events`: damage, deep nesting, a large record."""


# A record larger than this (in elements below it) is left to `Package._events`: a
# row of 200 cells has 400 to 600, and a record that has not ended yet is counted
# again after each chunk.
FAST_RECORD_ELEMENTS = 2_000


def _batches(chunks: Generator[bytes, None, None], full: dict[str, str]) -> Iterator[list[tuple[str, ET.Element, str]]]:
    """`Package.records` a chunk at a time: the records that ended in each chunk, in the part's order.

    The parser's tree builder (C, no Python code per element) hangs the part's
    root under a holder element, so the tree can be read while it grows: what
    has ended is given or dropped after each chunk (`_ended`). Raises
    `_Unusual`, before giving any record of the chunk, for anything that is not
    plain: a parse or zip error, nesting deeper than `XLSX_MAX_DEPTH`, a record
    of more than `FAST_RECORD_ELEMENTS` elements.
    """
    builder = ET.TreeBuilder()
    top = builder.start("", {})  # the holder: the part's root element becomes its child
    parser = ET.XMLParser(target=builder)
    largest = min(XLSX_MAX_RECORD_ELEMENTS, FAST_RECORD_ELEMENTS)
    try:
        for chunk in chunks:
            for start in range(0, len(chunk), FEED):
                parser.feed(chunk[start : start + FEED])
                batch: list[tuple[str, ET.Element, str]] = []
                _ended(top, 0, True, full, largest, batch)
                if batch:
                    yield batch
        parser.close()
    except (ET.ParseError, Refused):
        raise _Unusual from None
    finally:
        chunks.close()  # the part's stream, when this stops early
    batch = []
    _ended(top, 0, False, full, largest, batch)
    if batch:
        yield batch


def _ended(parent: ET.Element, depth: int, is_open: bool, full: dict[str, str], largest: int, batch: list) -> None:
    """Add to ``batch`` the records below ``parent`` (not a record, at ``depth``) that have ended; drop what has ended.

    While ``parent`` is open (``is_open``), so may be its last child: a
    record there waits for the next chunk, anything else is looked into the same way.
    """
    count = len(parent)
    if not count:
        return
    depth += 1
    if depth > XLSX_MAX_DEPTH:
        raise _Unusual
    name = parent.tag.rpartition("}")[2]
    ended = count - 1 if is_open else count
    for i in range(count):
        child = parent[i]
        if child.tag in full:
            if len(list(child.iter())) > largest + 1:
                raise _Unusual
            if i < ended:
                batch.append((full[child.tag], child, name))
        elif len(child):
            _ended(child, depth, i >= ended, full, largest, batch)
    if ended:
        del parent[:ended]


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
