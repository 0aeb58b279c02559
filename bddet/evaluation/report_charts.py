"""The report's charts as inline SVG: small line panels, grouped bars and a shaded matrix.

Written by hand rather than with matplotlib: a page of seven charts took matplotlib about 3 s
(1 s of it importing pyplot) where the whole evaluation takes 1 s; these strings take
milliseconds. SVG also stays sharp at any zoom, and its text can be searched and copied. Each
function returns one ``<svg>`` element, sized in CSS pixels, with a ``<title>`` for screen readers.
"""
from __future__ import annotations

import html
import math
from typing import Sequence

# matplotlib's tab10, so that colours read as they did in the PNG version of the report
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")
_BLUES = ((0.0, (247, 251, 255)), (0.25, (198, 219, 239)), (0.5, (107, 174, 214)), (0.75, (33, 113, 181)),
          (1.0, (8, 48, 107)))   # matplotlib's "Blues", sampled
FONT = 'font-family="sans-serif"'


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if math.isfinite(v) else "0"


def _open(width: float, height: float, title: str) -> list[str]:
    # no xmlns: the charts are inline in an HTML page, where the parser puts <svg> in its namespace
    return [f'<svg role="img" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" {FONT} font-size="12"><title>{_esc(title)}</title>',
            f'<rect width="{width:.0f}" height="{height:.0f}" fill="#fff"/>']


def nice_ticks(top: float, n: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (1, 2 or 5 times a power of ten apart)."""
    if not math.isfinite(top) or top <= 0:
        top = 1.0
    raw = top / n
    step = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * step:
            step *= m
            break
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def _legend(items: Sequence[tuple[str, str]], x: float, y: float) -> tuple[list[str], float]:
    """A row of colour keys starting at (x, y); returns the parts and the row's width."""
    parts, at = [], x
    for name, fill in items:
        parts.append(f'<rect x="{at:.1f}" y="{y - 9:.1f}" width="14" height="10" fill="{fill}"/>'
                     f'<text x="{at + 18:.1f}" y="{y:.1f}">{_esc(name)}</text>')
        at += 18 + 7 * len(name) + 16
    return parts, at - x


def line_panels(panels: Sequence[tuple[str, Sequence[tuple[str, Sequence[float], Sequence[float]]]]],
                columns: int, xlabel: str, ylabel: str, title: str, panel_size=(236, 180)) -> str:
    """Small multiples on [0, 1] x [0, 1]: per panel a title and its curves (name, xs, ys).

    A curve's colour is its position in its panel; the legend lists the names of the first
    panel that has curves.
    """
    pw, ph = panel_size
    ml, mt, mb, gap = 52, 34, 40, 24
    rows = max(1, math.ceil(len(panels) / columns))
    width = ml + columns * pw + (columns - 1) * gap + 10
    height = mt + rows * ph + (rows - 1) * gap + mb
    out = _open(width, height, title)
    names = next(([name for name, _, _ in curves] for _, curves in panels if curves), [])
    legend, lw = _legend([(n, colour(i)) for i, n in enumerate(names)], 0, 0)
    out.append(f'<g transform="translate({(width - lw) / 2:.1f},16)">{"".join(legend)}</g>')
    for p, (name, curves) in enumerate(panels):
        r, c = divmod(p, columns)
        x0, y0 = ml + c * (pw + gap), mt + r * (ph + gap)
        out.append(f'<text x="{x0 + pw / 2:.1f}" y="{y0 - 5:.1f}" text-anchor="middle" font-size="13">'
                   f'{_esc(name)}</text>')
        out.append(f'<rect x="{x0}" y="{y0}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
        for t in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
            gx, gy = x0 + t * pw, y0 + ph - t * ph / 1.02
            out.append(f'<path d="M{gx:.1f} {y0}V{y0 + ph}M{x0} {gy:.1f}H{x0 + pw}" stroke="#ddd"/>')
            if r == rows - 1 or p + columns >= len(panels):
                out.append(f'<text x="{gx:.1f}" y="{y0 + ph + 14}" text-anchor="middle" font-size="10">'
                           f'{t:.1f}</text>')
            if c == 0:
                out.append(f'<text x="{x0 - 4}" y="{gy + 3:.1f}" text-anchor="end" font-size="10">{t:.1f}</text>')
        for i, (_, xs, ys) in enumerate(curves):
            pts = " ".join(f"{x0 + min(max(x, 0), 1) * pw:.1f},{y0 + ph - min(max(y, 0), 1.02) * ph / 1.02:.1f}"
                           for x, y in zip(xs, ys) if math.isfinite(y))
            if pts:
                out.append(f'<polyline points="{pts}" fill="none" stroke="{colour(i)}" stroke-width="1.5"/>')
    out.append(f'<text x="{ml + (width - ml) / 2:.1f}" y="{height - 8}" text-anchor="middle">{_esc(xlabel)}</text>')
    out.append(f'<text transform="translate(14,{mt + (height - mt - mb) / 2:.1f}) rotate(-90)" '
               f'text-anchor="middle">{_esc(ylabel)}</text>')
    out.append("</svg>")
    return "".join(out)


def bars(groups: Sequence[str], series: dict[str, Sequence[float]], ylabel: str, title: str) -> str:
    """Grouped bars: one group per label, one bar per series (NaN drawn as no bar), a legend
    when there is more than one series."""
    groups = [str(g) for g in groups]
    n_series = max(1, len(series))
    group_w = max(44.0, 22.0 * n_series + 14)
    label_room = 8 + 5.2 * max((len(g) for g in groups), default=4)
    ml, mt, mr = 52, 30 if len(series) > 1 else 12, 16
    mb = 24 + label_room * 0.6
    plot_h = 220
    width = ml + group_w * max(1, len(groups)) + mr
    height = mt + plot_h + mb
    values = [v for vs in series.values() for v in vs if v == v and v is not None]
    ticks = nice_ticks(max(values, default=0.0))
    top = ticks[-1] or 1.0
    out = _open(width, height, title)
    if len(series) > 1:
        legend, lw = _legend([(name, colour(i)) for i, name in enumerate(series)], 0, 0)
        out.append(f'<g transform="translate({max(ml, (width - lw) / 2):.1f},16)">{"".join(legend)}</g>')
    for t in ticks:
        y = mt + plot_h - t / top * plot_h
        out.append(f'<path d="M{ml} {y:.1f}H{width - mr}" stroke="{"#444" if t == 0 else "#ddd"}"/>'
                   f'<text x="{ml - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{_num(t)}</text>')
    bar_w = (group_w - 14) / n_series
    for g, name in enumerate(groups):
        gx = ml + g * group_w + 7
        for s, (sname, vs) in enumerate(series.items()):
            v = vs[g] if g < len(vs) else float("nan")
            if v is None or v != v or v <= 0:
                continue
            h = v / top * plot_h
            out.append(f'<rect x="{gx + s * bar_w:.1f}" y="{mt + plot_h - h:.1f}" width="{bar_w - 1:.1f}" '
                       f'height="{h:.1f}" fill="{colour(s)}"><title>{_esc(sname)} {_esc(name)}: {v:.2f}</title></rect>')
        cx, cy = gx + (group_w - 14) / 2, mt + plot_h + 10
        out.append(f'<text transform="translate({cx:.1f},{cy:.1f}) rotate(-30)" text-anchor="end" '
                   f'font-size="11">{_esc(name)}</text>')
    out.append(f'<text transform="translate(14,{mt + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle">'
               f'{_esc(ylabel)}</text>')
    out.append("</svg>")
    return "".join(out)


def _blue(share: float) -> str:
    share = min(max(share, 0.0), 1.0)
    for (a, ca), (b, cb) in zip(_BLUES, _BLUES[1:]):
        if share <= b:
            f = (share - a) / (b - a)
            return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(ca, cb))
    return "#08306b"


def matrix(names: Sequence[str], counts, share, xlabel: str, ylabel: str, title: str) -> str:
    """A square table of counts shaded by ``share`` (0..1): rows and columns named by ``names``."""
    n = len(names)
    cell = 40
    label_w = 8 + 6.5 * max((len(s) for s in names), default=4)
    ml, mt = label_w + 24, 26
    mb = label_w * 0.75 + 34
    width, height = ml + n * cell + 12, mt + n * cell + mb
    out = _open(width, height, title)
    out.append(f'<text x="{ml + n * cell / 2:.1f}" y="16" text-anchor="middle" font-size="13">{_esc(title)}</text>')
    for i in range(n):
        for j in range(n):
            x, y, s = ml + j * cell, mt + i * cell, float(share[i][j])
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{cell}" height="{cell}" fill="{_blue(s)}"/>')
            c = int(counts[i][j])
            if c:
                out.append(f'<text x="{x + cell / 2:.1f}" y="{y + cell / 2 + 4}" text-anchor="middle" '
                           f'font-size="10" fill="{"#fff" if s > 0.5 else "#000"}">{c}</text>')
    out.append(f'<rect x="{ml:.1f}" y="{mt}" width="{n * cell}" height="{n * cell}" fill="none" stroke="#444"/>')
    for k, name in enumerate(names):
        out.append(f'<text x="{ml - 4:.1f}" y="{mt + k * cell + cell / 2 + 4}" text-anchor="end" font-size="11">'
                   f'{_esc(name)}</text>')
        out.append(f'<text transform="translate({ml + k * cell + cell / 2 + 4:.1f},{mt + n * cell + 6}) '
                   f'rotate(-45)" text-anchor="end" font-size="11">{_esc(name)}</text>')
    out.append(f'<text x="{ml + n * cell / 2:.1f}" y="{height - 8:.1f}" text-anchor="middle">{_esc(xlabel)}</text>')
    out.append(f'<text transform="translate(14,{mt + n * cell / 2:.1f}) rotate(-90)" text-anchor="middle">'
               f'{_esc(ylabel)}</text>')
    out.append("</svg>")
    return "".join(out)


__all__ = ["PALETTE", "bars", "colour", "line_panels", "matrix", "nice_ticks"]
