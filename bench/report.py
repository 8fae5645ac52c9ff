#!/usr/bin/env python3
"""Turns bench/run.sh's phase results (one TxBench JSON object per file) into the results table (.md), the figures
(.json) and an HTML page with SVG charts that run.sh screenshots into the PNG. Standard library only.

  report.py --phases DIR --base PATH --commit C --command CMD --machine TEXT --elapsed S
  report.py --summary PATH.json      # prints the "bench: ..." line
"""
import argparse
import html
import json
import pathlib
import sys

PEER_ORDER = ["floor", "bus-mt", "bus-mt-transient", "bus-raw", "saga", "chain", "txc-1", "txc-3"]
COLORS = {"floor": "#1b9e77", "bus-mt": "#7570b3", "bus-mt-transient": "#8f8ad0", "bus-raw": "#a6a1e0", "saga": "#d95f02",
          "chain": "#66a61e", "txc-1": "#e7298a", "txc-3": "#e6ab02"}
PEER_TEXT = {
    "floor": "a. floor: PREPARE/COMMIT PREPARED on both databases, one process",
    "bus-mt": "b. bus floor: MassTransit request/response round trip",
    "bus-mt-transient": "b. bus floor: the same, not persisted nor confirmed, as TxCoordinator's messages",
    "bus-raw": "b. bus floor: RabbitMQ.Client request/reply round trip",
    "saga": "c. MassTransit routing slip with compensation (saga-worker)",
    "chain": "e. the samples' HTTP calls with no coordinator (not atomic): what the topology costs",
    "txc-1": "d. TxCoordinator, 1 replica (Orders sample over HTTP)",
    "txc-3": "d. TxCoordinator, 3 replicas (Orders sample over HTTP)",
}


def peer_of(phase):
    """The peer a phase measured, from its label (floor-c32, txc-3-c8, participants-4-b100, bus-mt-c32)."""
    label = phase.get("label") or phase["peer"]
    return label.rsplit("-c", 1)[0] if "-c" in label and not label.startswith("participants") else label


def load(phases_dir):
    phases = []
    for path in sorted(pathlib.Path(phases_dir).glob("*.json")):
        phase = json.loads(path.read_text())
        phase["peer_group"] = peer_of(phase)
        phases.append(phase)
    return phases


def at(phases, peer, concurrency=32):
    for p in phases:
        if p["peer_group"] == peer and p.get("concurrency") == concurrency:
            return p
    return None


def summary(phases):
    txc, floor, saga = at(phases, "txc-3"), at(phases, "floor"), at(phases, "saga")
    s = {
        "txc_tps": txc["tps"] if txc else None,
        "floor_tps": floor["tps"] if floor else None,
        "txc_p99_ms": txc["latency_ms"]["p99"] if txc else None,
        "floor_p99_ms": floor["latency_ms"]["p99"] if floor else None,
        "saga_tps": saga["tps"] if saga else None,
    }
    s["ratio"] = round(s["txc_tps"] / s["floor_tps"], 3) if txc and floor and floor["tps"] > 0 else None
    s["p99_ratio"] = round(s["txc_p99_ms"] / s["floor_p99_ms"], 2) if txc and floor and floor["latency_ms"]["p99"] > 0 else None
    s["targets"] = {
        "txc3_at_least_half_floor_tps": s["ratio"] >= 0.5 if s["ratio"] is not None else None,
        "txc3_p99_at_most_4x_floor": s["p99_ratio"] <= 4 if s["p99_ratio"] is not None else None,
        "txc3_beats_saga_tps": s["txc_tps"] > s["saga_tps"] if txc and saga else None,
    }
    return s


def cpu_per_order(phase, process=None):
    """CPU ms per committed order (or round trip) of every watched process, or of one; as docs/benchmarks.md counts."""
    cpu = phase.get("cpu_pct", {})
    pct = sum(cpu.values()) if process is None else cpu.get(process, 0)
    return pct * 10 / phase["tps"] if phase.get("tps") else None


def coordination_bound(phases):
    """
    What the cheapest atomic version of the samples would cost, priced with this run's own figures: the samples'
    calls with no coordination (peer e), PostgreSQL's PREPARE and COMMIT PREPARED instead of COMMIT (the floor's
    PostgreSQL CPU less the chain's), and the fewest messages 2PC with two participants needs when each protocol step
    of each order is a message (two votes, two decisions, the commit request and its answer: three MassTransit round
    trips of peer b, transient as TxCoordinator's messages when the run measured those). The coordinator itself, its
    log and its replicas cost nothing in it, and neither do the messages of refused orders, so it is a lower bound.
    Against the budget that half the floor's throughput leaves: twice the floor's CPU per order, on the share of the
    machine the floor keeps busy. None unless the run measured the floor, the chain and the bus floor at concurrency 32.
    """
    mt_phase = at(phases, "bus-mt-transient") or at(phases, "bus-mt")
    floor, chain, mt, raw, txc = (cpu_per_order(p) if p else None for p in
                                  (at(phases, "floor"), at(phases, "chain"), mt_phase, at(phases, "bus-raw"), at(phases, "txc-3")))
    if None in (floor, chain, mt):
        return None
    prepared = max(0.0, cpu_per_order(at(phases, "floor"), "postgres") - cpu_per_order(at(phases, "chain"), "postgres"))
    b = {"budget_ms": 2 * floor, "chain_ms": chain, "prepared_ms": prepared,
         "messages_mt_ms": 3 * mt, "bound_mt_ms": chain + prepared + 3 * mt}
    if raw is not None:
        b["messages_raw_ms"] = 3 * raw
        b["bound_raw_ms"] = chain + prepared + 3 * raw
    if txc is not None:
        b["txc3_ms"] = txc
    return {"transient_messages": mt_phase["peer_group"] == "bus-mt-transient", **{k: round(v, 3) for k, v in b.items()}}


def nice_max(v):
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above v: round axis ticks."""
    import math
    if v <= 0:
        return 1
    power = 10 ** math.floor(math.log10(v))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= v)


def fmt(v):
    return "n/a" if v is None else format(v, ".10g")


def summary_line(s):
    return ("bench: " + " ".join(f"{k}={fmt(s[k])}" for k in
                                 ["txc_tps", "floor_tps", "ratio", "txc_p99_ms", "floor_p99_ms", "saga_tps"]))


def cpu_text(phase):
    return ", ".join(f"{k} {v:g}%" for k, v in sorted(phase.get("cpu_pct", {}).items()))


def row(p, first):
    lat = p["latency_ms"]
    return (f"| {first} | {fmt(p.get('concurrency'))} | **{p['tps']:g}** | {lat['p50']:g} | {lat['p95']:g} | {lat['p99']:g} | "
            f"{lat['max']:g} | {p['abort_rate'] * 100:.1f}% | {p['failed']} | {cpu_text(p)} |")


HEADER = ("| {0} | C | committed tx/s | p50 ms | p95 ms | p99 ms | max ms | aborted | failed | CPU (% of one core) |\n"
          "|---|---|---|---|---|---|---|---|---|---|")


def markdown(phases, s, bound, meta):
    out = [f"# Benchmark results {meta['date']} at {meta['commit']}", "",
           f"Command: `{meta['command']}` ({meta['elapsed']} s in all)  ",
           f"Machine: {meta['machine']}", "",
           "Every figure below was measured in this one run, on the same throwaway PostgreSQL and RabbitMQ, with the "
           "same data (200 products, 1,000 customers) and the same order mix (about 5% sold out, 5% declined cards). "
           "Latency is of committed transactions; CPU is per process group during the measured window. "
           "How to read it: [docs/benchmarks.md](../../docs/benchmarks.md).", "",
           "## Summary (concurrency 32)", "", "```", summary_line(s), "```", ""]
    t = s["targets"]
    out += ["| target | result |", "|---|---|",
            f"| TxCoordinator (3 replicas) ≥ 50% of the floor's throughput | {fmt(s['ratio'])} of the floor: "
            f"{'met' if t['txc3_at_least_half_floor_tps'] else 'not met' if t['txc3_at_least_half_floor_tps'] is False else 'n/a'} |",
            f"| its p99 ≤ 4 × the floor's p99 | {fmt(s['p99_ratio'])} ×: "
            f"{'met' if t['txc3_p99_at_most_4x_floor'] else 'not met' if t['txc3_p99_at_most_4x_floor'] is False else 'n/a'} |",
            f"| it beats the saga peer on throughput | "
            f"{'met' if t['txc3_beats_saga_tps'] else 'not met' if t['txc3_beats_saga_tps'] is False else 'n/a'} |", ""]
    out += ["## Peers at concurrency 32", "", HEADER.format("peer")]
    for peer in PEER_ORDER:
        p = at(phases, peer)
        if p:
            out.append(row(p, PEER_TEXT[peer]))
    sweep = [p for p in phases if p["peer_group"] in PEER_ORDER and p.get("concurrency") != 32]
    if sweep:
        out += ["", "## Concurrency sweep", "", HEADER.format("peer")]
        for p in sorted(phases, key=lambda p: (PEER_ORDER.index(p["peer_group"]) if p["peer_group"] in PEER_ORDER else 99,
                                                p.get("concurrency") or 0)):
            if p["peer_group"] in PEER_ORDER and any(q["peer_group"] == p["peer_group"] for q in sweep):
                out.append(row(p, p["peer_group"]))
    parts = [p for p in phases if p["peer_group"].startswith("participants")]
    if parts:
        out += ["", "## Participants per transaction and payload size (TxCoordinator, 3 replicas)", "",
                HEADER.format("participants, payload")]
        for p in sorted(parts, key=lambda p: (int(p["parameters"]["participants"]), int(p["parameters"]["payload_bytes"]))):
            out.append(row(p, f"{p['parameters']['participants']}, {int(p['parameters']['payload_bytes']):,} B"))
    if bound:
        share = lambda ms: f"{ms / bound['budget_ms']:.2f} × the budget"
        out += ["", "## What any coordinator would cost (concurrency 32)", "",
                f"Half the floor's throughput leaves a whole order **{bound['budget_ms']:.2f} ms** of CPU (twice the floor's "
                "per order, on the share of the machine the floor keeps busy). The cheapest atomic version of the "
                "samples, priced with this run's figures, with a coordinator, log and replicas that cost nothing:", "",
                "| part | CPU per order, ms | measured as |", "|---|---|---|",
                f"| the samples' HTTP calls and statements | {bound['chain_ms']:.2f} | peer e |",
                f"| PREPARE TRANSACTION and COMMIT PREPARED instead of COMMIT | {bound['prepared_ms']:.2f} | "
                "peer a's PostgreSQL less peer e's |",
                f"| six messages: two votes, two decisions, the commit request and its answer | "
                f"{bound['messages_mt_ms']:.2f} | three MassTransit round trips of peer b"
                f"{', transient' if bound['transient_messages'] else ', persistent and confirmed'} |",
                f"| **all** | **{bound['bound_mt_ms']:.2f}** | {share(bound['bound_mt_ms'])} |"]
        if "bound_raw_ms" in bound:
            out.append(f"| all, the messages through RabbitMQ.Client instead | {bound['bound_raw_ms']:.2f} | "
                       f"{share(bound['bound_raw_ms'])} |")
        if "txc3_ms" in bound:
            out.append(f"| TxCoordinator, 3 replicas, measured | {bound['txc3_ms']:.2f} | {share(bound['txc3_ms'])} |")
        out += ["", "Above 1 × the budget, no coordinator that sends a message per protocol step and order through "
                "MassTransit can reach half the floor in this run: only steps of many transactions sharing a message "
                "lower the bound."]
    out += ["", "Raw figures of every phase: the `.json` file next to this one; chart: the `.png`.", ""]
    return "\n".join(out)


def svg_lines(phases, width=1100, height=520):
    """Committed tx/s against concurrency (log scale), one line per peer."""
    series = {}
    for p in phases:
        # Bus round trips are not transactions (and would squash the scale): they are in the table and latency chart.
        if p["peer_group"] in PEER_ORDER and not p["peer_group"].startswith("bus") and p.get("concurrency"):
            series.setdefault(p["peer_group"], []).append((p["concurrency"], p["tps"]))
    if not series:
        return ""
    import math
    xs = sorted({c for s in series.values() for c, _ in s})
    ymax = nice_max(max(t for s in series.values() for _, t in s) * 1.05)
    left, right, top, bottom = 80, 260, 40, 60
    w, h = width - left - right, height - top - bottom
    lo, hi = math.log2(min(xs)), math.log2(max(xs))
    xpos = (lambda c: left + (w / 2 if hi == lo else (math.log2(c) - lo) / (hi - lo) * w))
    ypos = (lambda t: top + h - t / ymax * h)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13">',
             f'<text x="{left}" y="24" font-size="17" font-weight="bold">Committed orders per second vs concurrency</text>',
             f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="#333"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + h}" stroke="#333"/>']
    for i in range(6):
        t = ymax * i / 5
        parts.append(f'<line x1="{left}" y1="{ypos(t):.1f}" x2="{left + w}" y2="{ypos(t):.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 8}" y="{ypos(t) + 4:.1f}" text-anchor="end">{t:g}</text>')
    for c in xs:
        parts.append(f'<text x="{xpos(c):.1f}" y="{top + h + 20}" text-anchor="middle">{c}</text>')
    parts.append(f'<text x="{left + w / 2}" y="{height - 15}" text-anchor="middle">concurrency (transactions in flight)</text>')
    for i, peer in enumerate(p for p in PEER_ORDER if p in series):
        pts = sorted(series[peer])
        color = COLORS[peer]
        if len(pts) > 1:
            parts.append('<polyline fill="none" stroke-width="2.5" stroke="{}" points="{}"/>'.format(
                color, " ".join(f"{xpos(c):.1f},{ypos(t):.1f}" for c, t in pts)))
        for c, t in pts:
            parts.append(f'<circle cx="{xpos(c):.1f}" cy="{ypos(t):.1f}" r="5" fill="{color}"/>')
        parts.append(f'<rect x="{left + w + 20}" y="{top + 10 + i * 24}" width="14" height="14" fill="{color}"/>'
                     f'<text x="{left + w + 40}" y="{top + 22 + i * 24}">{html.escape(peer)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def svg_latency(phases, width=1100, height=480):
    """p50/p95/p99 at concurrency 32, grouped per peer (log scale, ms)."""
    import math
    rows = [(peer, at(phases, peer)) for peer in PEER_ORDER if at(phases, peer)]
    if not rows:
        return ""
    left, right, top, bottom = 80, 260, 40, 70
    w, h = width - left - right, height - top - bottom
    vmax = max(p["latency_ms"]["p99"] for _, p in rows) or 1
    vmin = max(min(p["latency_ms"]["p50"] for _, p in rows), 0.1)
    lo, hi = math.floor(math.log10(vmin)), math.ceil(math.log10(vmax * 1.05))
    hi = hi if hi > lo else lo + 1
    ypos = (lambda v: top + h - (math.log10(max(v, 10 ** lo)) - lo) / (hi - lo) * h)
    shades = {"p50": 1.0, "p95": 0.7, "p99": 0.45}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13">',
             f'<text x="{left}" y="24" font-size="17" font-weight="bold">Latency percentiles at concurrency 32 (ms, log scale)</text>']
    for e in range(lo, hi + 1):
        y = ypos(10 ** e)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + w}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{10 ** e:g}</text>')
    group = w / len(rows)
    bar = group / 4.5
    for i, (peer, p) in enumerate(rows):
        for j, q in enumerate(["p50", "p95", "p99"]):
            v = p["latency_ms"][q]
            x = left + i * group + group * 0.1 + j * bar * 1.1
            label = f"{v:.0f}" if v >= 100 else f"{v:.3g}"
            parts.append(f'<rect x="{x:.1f}" y="{ypos(v):.1f}" width="{bar:.1f}" height="{top + h - ypos(v):.1f}" '
                         f'fill="{COLORS[peer]}" fill-opacity="{shades[q]}"/>'
                         f'<text x="{x + bar / 2:.1f}" y="{ypos(v) - 4:.1f}" text-anchor="middle" font-size="11">{label}</text>')
        parts.append(f'<text x="{left + i * group + group * 0.45:.1f}" y="{top + h + 20}" text-anchor="middle">{html.escape(peer)}</text>')
    for j, q in enumerate(["p50", "p95", "p99"]):
        parts.append(f'<rect x="{left + w + 20}" y="{top + 10 + j * 24}" width="14" height="14" fill="#555" fill-opacity="{shades[q]}"/>'
                     f'<text x="{left + w + 40}" y="{top + 22 + j * 24}">{q}</text>')
    parts.append(f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="#333"/></svg>')
    return "\n".join(parts)


def svg_participants(phases, width=1100, height=420):
    """Committed tx/s against participants per transaction, one line per payload size."""
    parts_phases = [p for p in phases if p["peer_group"].startswith("participants")]
    if not parts_phases:
        return ""
    series = {}
    for p in parts_phases:
        series.setdefault(int(p["parameters"]["payload_bytes"]), []).append((int(p["parameters"]["participants"]), p["tps"]))
    xs = sorted({n for s in series.values() for n, _ in s})
    ymax = nice_max(max(t for s in series.values() for _, t in s) * 1.05)
    left, right, top, bottom = 80, 260, 40, 60
    w, h = width - left - right, height - top - bottom
    xpos = (lambda n: left + (w / 2 if len(xs) == 1 else xs.index(n) / (len(xs) - 1) * w))
    ypos = (lambda t: top + h - t / ymax * h)
    colors = ["#1f78b4", "#e31a1c", "#33a02c", "#6a3d9a"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13">',
           f'<text x="{left}" y="24" font-size="17" font-weight="bold">TxCoordinator (3 replicas): committed tx/s vs participants per transaction</text>',
           f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="#333"/>']
    for i in range(6):
        t = ymax * i / 5
        out.append(f'<line x1="{left}" y1="{ypos(t):.1f}" x2="{left + w}" y2="{ypos(t):.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 8}" y="{ypos(t) + 4:.1f}" text-anchor="end">{t:g}</text>')
    for n in xs:
        out.append(f'<text x="{xpos(n):.1f}" y="{top + h + 20}" text-anchor="middle">{n}</text>')
    out.append(f'<text x="{left + w / 2}" y="{height - 15}" text-anchor="middle">participants per transaction (concurrency 32)</text>')
    for i, (payload, pts) in enumerate(sorted(series.items())):
        pts = sorted(pts)
        color = colors[i % len(colors)]
        out.append('<polyline fill="none" stroke-width="2.5" stroke="{}" points="{}"/>'.format(
            color, " ".join(f"{xpos(n):.1f},{ypos(t):.1f}" for n, t in pts)))
        for n, t in pts:
            out.append(f'<circle cx="{xpos(n):.1f}" cy="{ypos(t):.1f}" r="5" fill="{color}"/>')
        out.append(f'<rect x="{left + w + 20}" y="{top + 10 + i * 24}" width="14" height="14" fill="{color}"/>'
                   f'<text x="{left + w + 40}" y="{top + 22 + i * 24}">payload {payload:,} B</text>')
    out.append("</svg>")
    return "\n".join(out)


def page(phases, s, meta):
    return ("<!doctype html><html><head><meta charset='utf-8'><style>body{margin:20px;font-family:sans-serif}"
            "p{font-size:14px}</style></head><body>"
            f"<h2>TxCoordinator benchmarks {html.escape(meta['date'])} at {html.escape(meta['commit'])}</h2>"
            f"<p>{html.escape(summary_line(s))}</p><p>{html.escape(meta['machine'])}</p>"
            f"{svg_lines(phases)}<br/>{svg_latency(phases)}<br/>{svg_participants(phases)}</body></html>")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--phases")
    parser.add_argument("--base")
    parser.add_argument("--commit", default="unknown")
    parser.add_argument("--command", default="")
    parser.add_argument("--machine", default="")
    parser.add_argument("--elapsed", default="")
    parser.add_argument("--summary")
    args = parser.parse_args()
    if args.summary:
        print(summary_line(json.loads(pathlib.Path(args.summary).read_text())["summary"]))
        return 0
    if not args.phases or not args.base:
        parser.error("--phases and --base are required")
    import datetime
    phases = load(args.phases)
    if not phases:
        print("report.py: no phase results", file=sys.stderr)
        return 1
    s = summary(phases)
    meta = {"date": datetime.date.today().isoformat(), "commit": args.commit, "command": args.command,
            "machine": args.machine, "elapsed": args.elapsed}
    base = pathlib.Path(args.base)
    bound = coordination_bound(phases)
    extra = {"coordination_bound": bound} if bound else {}
    base.with_suffix(".json").write_text(json.dumps({**meta, "summary": s, **extra, "phases": phases}, indent=2) + "\n")
    base.with_suffix(".md").write_text(markdown(phases, s, bound, meta))
    base.with_suffix(".html").write_text(page(phases, s, meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
