"""bench/pages.py's tables: each page's figures at every scale, the targets of issue 16 beside them, and the same
pages measured on an earlier revision of the code (--baseline) side by side.

The targets (PostgreSQL, 100,000 entries, p95 of the timed requests):
- every list page and search under 30 ms, and its p95 at the largest scale at most 1.5 × its p95 at the smallest;
- an entry's page under 30 ms, whatever its history;
- the dashboard served by a worker that has not computed it (the figures the scheduler keeps, crm.dashboard.
  snapshots) under 150 ms, and from the worker's own cache under 15 ms. "dashboard: computed" (every figure
  counted on the request) has no target of its own: it is what the scheduler's job costs."""

LIST_MS = 30.0
ENTRY_MS = 30.0
GROWTH = 1.5
TARGET_MS = {"dashboard: cold worker": 150.0, "dashboard: cached": 15.0}


def target_ms(page: str) -> float | None:
    """The p95 target of a page by its label, if it has one."""
    if page.startswith("list"):
        return LIST_MS
    if page.startswith("entry"):
        return ENTRY_MS
    return TARGET_MS.get(page)


def ratios(scales: list[dict]) -> list[dict]:
    """time at the largest scale / time at the smallest, per page and user."""
    if len(scales) < 2:
        return []
    small, large = min(scales, key=lambda s: s["entries"]), max(scales, key=lambda s: s["entries"])
    before = {(r["page"], r["user"]): r for r in small["pages"] if "error" not in r}
    out = []
    for row in large["pages"]:
        base = before.get((row["page"], row["user"]))
        if "error" in row or base is None:
            continue
        out.append({
            "page": row["page"], "user": row["user"], "paginated": row.get("paginated", False),
            "median_ratio": round(row["median_ms"] / base["median_ms"], 2),
            "p95_ratio": round(row["p95_ms"] / base["p95_ms"], 2),
        })  # fmt: skip
    return out


def verdict(page: str, p95: float, ratio: float | None) -> str:
    """'met' / 'NOT met' against the page's targets (p95, and growth for the list pages), '' without one."""
    limit = target_ms(page)
    if limit is None:
        return ""
    grows = page.startswith("list") and ratio is not None and ratio > GROWTH
    return "met" if p95 < limit and not grows else "NOT met"


def target_text(page: str) -> str:
    limit = target_ms(page)
    if limit is None:
        return ""
    return f"<{limit:g}" + (f", ≤{GROWTH:g}×" if page.startswith("list") else "")


def print_table(result: dict) -> None:
    scales = sorted(result["scales"], key=lambda s: s["entries"])
    by_scale = [{(r["page"], r["user"]): r for r in s["pages"]} for s in scales]
    keys = list(dict.fromkeys(k for table in by_scale for k in table))
    ratio = {(r["page"], r["user"]): r for r in result["ratios"]}
    largest = by_scale[-1]
    print()
    print(f"{result['database']}; {result['runs']} timed requests each; median / p95 ms (queries)")
    header = f"{'page':<26} {'user':<8}" + "".join(f" {s['label'] + ' median/p95 (q)':>26}" for s in scales)
    header += f" {'ratio med':>9} {'ratio p95':>9}" if ratio else ""
    header += f" {'target p95 ms':>14} {'':>7}"
    print(header)
    print("-" * len(header))
    for key in keys:
        line = f"{key[0]:<26} {key[1]:<8}"
        for table in by_scale:
            row = table.get(key)
            if row is None:
                cell = "—"
            elif "error" in row:
                cell = "failed"
            else:
                cell = f"{row['median_ms']:.1f} / {row['p95_ms']:.1f} ({row['queries']})"
            line += f" {cell:>26}"
        r = ratio.get(key)
        if ratio:
            line += f" {r['median_ratio']:>9.2f} {r['p95_ratio']:>9.2f}" if r else f" {'':>9} {'':>9}"
        row = largest.get(key)
        if row and "error" not in row:
            line += f" {target_text(key[0]):>14} {verdict(key[0], row['p95_ms'], r and r['p95_ratio']):>7}"
        print(line)
    for scale in scales:
        loads = scale["load_average"]
        print(f"{scale['label']}: load average before {loads['before']}, after {loads['after']}; "
              f"logs written by the POSTs {scale['logs_written']}")  # fmt: skip
    if ratio:
        print(
            "ratio: time at the largest scale / time at the smallest; the verdict is the largest scale's p95"
        )


def print_comparison(before: dict, after: dict, revision: str) -> None:
    """The pages at each scale measured on both, p95 before → after, with the targets."""
    print()
    print(f"before: {revision} ({before['date']}); after: this checkout ({after['date']}); p95 ms (queries)")
    after_ratio = {(r["page"], r["user"]): r["p95_ratio"] for r in after["ratios"]}
    for old in sorted(before["scales"], key=lambda s: s["entries"]):
        new = next((s for s in after["scales"] if s["entries"] == old["entries"]), None)
        if new is None:
            continue
        print(f"\n{old['label']} entries (load before/after: {old['load_average']['after'][0]} / "
              f"{new['load_average']['after'][0]})")  # fmt: skip
        header = f"{'page':<26} {'user':<8} {'before':>14} {'after':>14} {'×':>6} {'target':>12} {'':>7}"
        header += f" {'CPU ms before':>14} {'after':>6}"
        print(header)
        print("-" * len(header))
        was = {(r["page"], r["user"]): r for r in old["pages"]}
        largest = new["entries"] == max(s["entries"] for s in after["scales"])
        for row in new["pages"]:
            key = (row["page"], row["user"])
            prior = was.get(key)
            cells = []
            for r in (prior, row):
                if r is None:
                    cells.append("—")
                elif "error" in r:
                    cells.append("failed")
                else:
                    cells.append(f"{r['p95_ms']:.1f} ({r['queries']})")
            factor = ""
            if prior and "error" not in prior and "error" not in row:
                factor = f"{prior['p95_ms'] / row['p95_ms']:.1f}"
            met = (
                verdict(row["page"], row["p95_ms"], after_ratio.get(key))
                if largest and "error" not in row
                else ""
            )
            cpu = [f"{r['cpu_median_ms']:.1f}" if r and "cpu_median_ms" in r else "—" for r in (prior, row)]
            print(f"{row['page']:<26} {row['user']:<8} {cells[0]:>14} {cells[1]:>14} {factor:>6} "
                  f"{target_text(row['page']):>12} {met:>7} {cpu[0]:>14} {cpu[1]:>6}")  # fmt: skip
    print(
        "×: p95 before / p95 after (above 1 is faster); verdicts at the largest scale; CPU: the median CPU time"
    )
    print("of the benchmark's own process per request (what a web worker spends; SQLite's work included)")
