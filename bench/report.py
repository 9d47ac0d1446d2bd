"""The table on the terminal and the same figures in bench/results/latest.json."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bench import charts_before, floor
from bench.load import WORKERS

TARGET_STATEMENTS = 12
TARGET_RATIO = 2.0
TARGET_PDF_RATIO = 1.15
TARGET_PDF_MS = 500
TARGET_EXPORT_RATIO = 0.6
TARGET_EXPORT_MB = 400
FLOOR_RATIO = floor.TARGET_RATIO
TARGET_P99_OVER_P50 = 5
TARGET_THROUGHPUT_SHARE = 0.7  # of workers / in-process median time
TARGET_P99_DURING_EXPORT = 2  # x the dashboard's p99 without the export
LOAD_PAGES = ("clinician dashboard", "portal home")
DURING_EXPORT = "dashboard, export running"
TARGET_CHART_RATIO = {"clinician copy": 0.8}  # any other document: no slower than before


def machine() -> dict:
    """Cores, memory and CPU model, as Linux reports them."""
    model = next((line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")),
                 platform.processor())
    memory_kb = next((int(line.split()[1]) for line in _lines("/proc/meminfo") if line.startswith("MemTotal")), 0)
    return {"cores": os.cpu_count(), "memory_gb": round(memory_kb / 1024 / 1024, 1), "cpu": model,
            "system": platform.platform(), "load_average_at_start": os.getloadavg()}


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def versions(postgresql: str | None) -> dict:
    """The versions that decide the figures."""
    found = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "postgresql": postgresql}
    for package in ("Flask", "SQLAlchemy", "weasyprint", "gunicorn", "psycopg"):
        try:
            found[package.lower()] = version(package)
        except Exception:  # a package the run did not need may be missing
            found[package.lower()] = None
    return found


def write_json(results: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_plain(results), indent=2, ensure_ascii=False) + "\n")


def _plain(value):
    if is_dataclass(value):
        extra = {"ratio": round(value.ratio, 2)} if hasattr(value, "ratio") else {}
        return _plain(asdict(value)) | extra
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, float):
        return round(value, 2)
    return value


def table(results: dict) -> str:
    """Everything measured, as text for the terminal and the README."""
    out = [f"Twofold bench, {results['date']} · {results['machine']['cores']} cores, "
           f"{results['machine']['memory_gb']} GB, {results['machine']['cpu']} · load average "
           f"{results['machine']['load_average_at_start'][0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end",
           "Versions: " + ", ".join(f"{k} {v}" for k, v in results["versions"].items() if v), ""]
    out += _generation(results["generation"])
    for dialect in dict.fromkeys(row["database"] for row in results["pages"]):
        out += _pages(dialect, [row for row in results["pages"] if row["database"] == dialect])
    if results["floor"]:
        out += _floor(results["floor"])
    if results["load"]:
        out += _load(results["load"])
        out += _load_targets(results)
    if results["pdfs"]:
        out += _pdfs(results["pdfs"])
    if results["charts"]:
        out += _charts(results["charts"])
    if results["export"]:
        out += _export(results["export"])
    return "\n".join(out)


def _generation(rows: list[dict]) -> list[str]:
    out = ["Synthetic practices (bulk inserts into a fresh, migrated database)"]
    for row in rows:
        counts = ", ".join(f"{n:,} {name}" for name, n in row["counts"].items())
        out.append(f"  {row['database']:<10} {row['size']:<6} {counts}: generated in {row['seconds']:.1f} s")
    return out + [""]


def _pages(dialect: str, rows: list[dict]) -> list[str]:
    sizes = list(dict.fromkeys(row["size"] for row in rows))
    last = sizes[-1]
    out = [f"Pages on {dialect} (statements per request; time through the WSGI app; floor = the same template "
           "re-rendered from the same data)",
           f"  {'page':<24} {'statements ' + '/'.join(sizes):>20} {'median ms':>10} {'p95 ms':>8} "
           f"{'floor ms':>9} {'ratio':>6} {'cpu ms':>7} {'floor':>6} {'ratio':>6}  ({last})"]
    for name in dict.fromkeys(row["page"].name for row in rows):
        by_size = {row["size"]: row["page"] for row in rows if row["page"].name == name}
        page = by_size[last]
        counts = "/".join(str(by_size[size].statements) for size in sizes if size in by_size)
        flags = _flags(page.statements > TARGET_STATEMENTS or len({p.statements for p in by_size.values()}) > 1,
                       page.ratio > TARGET_RATIO)
        cpu_ratio = page.cpu_ms / page.floor_cpu_ms if page.floor_cpu_ms else float("nan")
        out.append(f"  {name:<24} {counts:>20} {page.median_ms:>10.2f} {page.p95_ms:>8.2f} {page.floor_ms:>9.2f} "
                   f"{page.ratio:>6.2f} {page.cpu_ms:>7.2f} {page.floor_cpu_ms:>6.2f} {cpu_ratio:>6.2f}  {flags}")
    return out + [f"  targets: the same count at every size and at most {TARGET_STATEMENTS}; ratio at most "
                  f"{TARGET_RATIO} at the largest size (! marks a miss)", ""]


def _flags(statements_missed: bool, ratio_missed: bool) -> str:
    return " ".join(flag for flag, missed in (("!statements", statements_missed), ("!ratio", ratio_missed)) if missed)


def _floor(rows: list[dict]) -> list[str]:
    out = ["The request path against its floor (a minimal Flask + Flask-Login + Flask-SQLAlchemy app, "
           "interleaved in this process)",
           f"  {'database':<10} {'page':<18} {'requests':>8} {'Twofold ms':>11} {'floor ms':>9} {'ratio':>6} "
           f"{'cpu ms':>7} {'floor':>6} {'ratio':>6}"]
    for row in rows:
        result = row["result"]
        out.append(f"  {row['database']:<10} {result.page:<18} {result.requests:>8} {result.reference_ms:>11.2f} "
                   f"{result.floor_ms:>9.2f} {result.ratio:>6.2f} {result.reference_cpu_ms:>7.2f} "
                   f"{result.floor_cpu_ms:>6.2f} {result.reference_cpu_ms / result.floor_cpu_ms:>6.2f}  "
                   + _verdict(result.ratio <= FLOOR_RATIO, f"at most {FLOOR_RATIO} x the floor"))
    return out + [""]


def _verdict(held: bool, target: str) -> str:
    """PASS or MISS, with the target it was measured against."""
    return f"{'PASS' if held else 'MISS'} ({target})"


def _load(rows: list[dict]) -> list[str]:
    out = ["Under load (gunicorn, 2 sync workers, loopback; the bare Flask route is the ceiling)",
           f"  {'database':<10} {'target':<26} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"]
    for row in rows:
        result = row["result"]
        export = row.get("export")
        note = f"  (export {export['before']} at the start, {export['after']} at the end)" if export else ""
        out.append(f"  {row['database']:<10} {result.target:<26} {result.connections:>5} {result.requests_per_s:>8.0f} "
                   f"{result.p50_ms:>8.1f} {result.p99_ms:>8.1f} {result.errors:>6}{note}")
    tools = {row["result"].tool for row in rows}
    return out + [f"  driven by {', '.join(sorted(tools))} for {rows[0]['result'].seconds:g} s per line", ""]


def _load_targets(results: dict) -> list[str]:
    """Issue 15's targets at 8 connections, each PASS or MISS with its figure."""
    out = []
    for dialect in dict.fromkeys(row["database"] for row in results["load"]):
        at_8 = {row["result"].target: row for row in results["load"]
                if row["database"] == dialect and row["result"].connections == 8}
        sizes = [row["size"] for row in results["pages"] if row["database"] == dialect]
        medians = {row["page"].name: row["page"].median_ms for row in results["pages"]
                   if row["database"] == dialect and row["size"] == sizes[-1]}
        out.append(f"Targets under load on {dialect} (8 connections, {WORKERS} workers)")
        for name in LOAD_PAGES:
            result = at_8[name]["result"]
            allowed = WORKERS * 1000 / medians[name]
            out += [
                f"  {name:<20} p99 {result.p99_ms:.0f} ms = {result.p99_ms / result.p50_ms:.1f} x p50 "
                f"{result.p50_ms:.0f} ms  " + _verdict(result.p99_ms <= TARGET_P99_OVER_P50 * result.p50_ms,
                                                        f"at most {TARGET_P99_OVER_P50} x p50"),
                f"  {name:<20} {result.errors} errors  " + _verdict(result.errors == 0, "none"),
                f"  {name:<20} {result.requests_per_s:.0f} req/s = {result.requests_per_s / allowed:.0%} of the "
                f"{allowed:.0f} that {WORKERS} workers at the in-process median {medians[name]:.1f} ms allow  "
                + _verdict(result.requests_per_s >= TARGET_THROUGHPUT_SHARE * allowed,
                           f"at least {TARGET_THROUGHPUT_SHARE:.0%}"),
            ]
        if DURING_EXPORT in at_8:
            row, alone = at_8[DURING_EXPORT], at_8["clinician dashboard"]["result"]
            result = row["result"]
            ran = "ran throughout" if row["export"]["after"] == "running" else f"was {row['export']['after']} by the end"
            out += [
                f"  {DURING_EXPORT:<20} p99 {result.p99_ms:.0f} ms = {result.p99_ms / alone.p99_ms:.1f} x the "
                f"{alone.p99_ms:.0f} ms without it (the export {ran})  "
                + _verdict(result.p99_ms <= TARGET_P99_DURING_EXPORT * alone.p99_ms,
                           f"at most {TARGET_P99_DURING_EXPORT} x"),
                f"  {DURING_EXPORT:<20} {result.errors} errors  " + _verdict(result.errors == 0, "none"),
            ]
        out.append("")
    return out


def _pdfs(rows: list) -> list[str]:
    out = ["PDFs (bounded render = Jinja + forked capped child; WeasyPrint = its own render of the same HTML)",
           f"  {'document':<26} {'pages':>5} {'html':>6} {'layout':>7} {'write':>6} {'process':>8} {'total':>7} "
           f"{'weasy':>7} {'ratio':>6} {'child MB':>9}"]
    for pdf in rows:
        flags = _flags(False, pdf.ratio > TARGET_PDF_RATIO or pdf.total_ms > TARGET_PDF_MS).replace("!ratio", "!target")
        out.append(f"  {pdf.name:<26} {pdf.pages:>5} {pdf.html_ms:>6.0f} {pdf.layout_ms:>7.0f} {pdf.write_ms:>6.0f} "
                   f"{pdf.process_ms:>8.0f} {pdf.total_ms:>7.0f} {pdf.weasyprint_ms:>7.0f} {pdf.ratio:>6.2f} "
                   f"{pdf.child_max_rss_mb:>9.0f}  {flags}")
    return out + [f"  times in ms; targets: total at most {TARGET_PDF_RATIO} x WeasyPrint and {TARGET_PDF_MS} ms", ""]


def _charts(rows: list) -> list[str]:
    out = ["Charts: each document made with today's charts and with those from before issue 15 "
           f"(bench/charts_before.py: {charts_before.BASELINE[:7]}'s), interleaved",
           f"  {'document':<26} {'before ms':>10} {'today ms':>9} {'ratio':>6}"]
    for row in rows:
        target = TARGET_CHART_RATIO.get(row.name, 1.0)
        out.append(f"  {row.name:<26} {row.before_ms:>10.0f} {row.after_ms:>9.0f} {row.ratio:>6.2f}  "
                   + _verdict(row.ratio <= target, f"at most {target} x before"))
    return out + [""]


def _export(result) -> list[str]:
    flags = " ".join(flag for flag, missed in (
        ("!ratio", result.ratio > TARGET_EXPORT_RATIO),
        ("!memory", max(result.process_max_rss_mb, result.child_max_rss_mb) > TARGET_EXPORT_MB),
    ) if missed)
    return [
        f"Record export ({result.sessions} signed sessions, {result.documents} PDFs, "
        f"{result.parallel} renders at once; in a fresh process)",
        f"  one by one {result.one_by_one_s:.1f} s · as the export makes them {result.parallel_s:.1f} s "
        f"(ratio {result.ratio:.2f}, {result.cores_busy:.1f} cores busy) · whole job {result.whole_export_s:.1f} s, "
        f"ZIP {result.zip_mb:.1f} MB  {flags}",
        f"  peak memory: process {result.process_max_rss_mb:.0f} MB, largest render child "
        f"{result.child_max_rss_mb:.0f} MB",
        f"  targets: ratio at most {TARGET_EXPORT_RATIO}; under {TARGET_EXPORT_MB} MB per process", "",
    ]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
