"""trace_picture.py OUTPUT.svg TRACE.json...: the traces the stages write with
--trace (Chrome's Trace Event Format) as one picture: a chart per trace, a lane
per named thread in tid order, one time axis, one key. OUTPUT's extension (svg,
png) is its format. Bad input: one line naming the file, exit 1, no OUTPUT.
"""
import json
from dataclasses import dataclass, field

import toolkit
from toolkit import Failure

USAGE = "usage: trace_picture.py OUTPUT.svg TRACE.json [TRACE.json ...]\n"

# One colour per kind of event (the X events by name), its opacity and its
# entry in the key. Among events of the same depth the faint ones, which are
# long, are drawn first, so the short ones they hold stay on top.
STYLES = {
    "readline": (toolkit.BLUE, 1, "readline"),
    "line from memory": (toolkit.SKY_BLUE, 1, "line from memory (no readline needed)"),
    "write": (toolkit.GREEN, 1, "write"),
    "waiting for data": (toolkit.VERMILION, 0.85, "waiting for data (blocking the thread)"),
    "suspended": (toolkit.ORANGE, 0.7, "waiting for data (suspended coroutine)"),
    "run_in_executor": (toolkit.PURPLE, 0.5, "run_in_executor (a call on a pool thread)"),
    "merge": (toolkit.GREY, 0.3, "merge (the whole run)"),
    "other": ("#7f7f7f", 0.8, "other event"),
}
STYLES["open output"] = STYLES["close output"] = STYLES["write"]  # the output's calls
MIN_MARK = 1.5 / 1000  # of the time axis: a 5 us readline in a 500 ms run still shows
MAX_BANDS = 4  # more coroutines suspended at once share the last band
KINDS = {str: "a string", int: "an integer", dict: "an object", (int, float): "a number"}


@dataclass
class Lane:
    thread: str = ""
    background: list = field(default_factory=list)  # "merge": (begin, end)
    busy: list = field(default_factory=list)  # other X events: (begin, end, name, depth)
    suspended: list = field(default_factory=list)  # b/e pairs: (begin, end, band)
    instants: list = field(default_factory=list)  # "i" events: their time


@dataclass
class Trace:
    name: str = ""
    lanes: dict = field(default_factory=dict)  # tid: Lane
    end: float = 0  # microseconds from the trace's start


def read_trace(text):
    """A trace as trace.cpp writes it; ValueError names what is wrong."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ValueError(f"not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise ValueError('the top level is not a JSON object (expected {"traceEvents": [...]})')
    events = document.get("traceEvents")
    if not isinstance(events, list):
        raise ValueError('no "traceEvents" array at the top level')
    trace, named, begun = Trace(), set(), {}
    for index, event in enumerate(events):
        what = f"traceEvents[{index}]"
        if not isinstance(event, dict):
            raise ValueError(f"{what} is not an object")
        what += f" ({event['name']})" if isinstance(event.get("name"), str) else ""

        def get(key, kind, event=event, what=what):
            if key not in event:
                raise ValueError(f'{what} has no "{key}"')
            value = event[key]
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError(f'{what}: "{key}" is not {KINDS[kind]}')
            if kind in (int, (int, float)) and value < 0:
                raise ValueError(f'{what}: "{key}" is negative')
            return value

        name, phase = get("name", str), get("ph", str)
        if phase == "M":  # metadata: the names of the process and its threads
            args = get("args", dict)
            if name in ("process_name", "thread_name") and not isinstance(args.get("name"), str):
                raise ValueError(f'{what}: "args" has no "name" string')
            if name == "process_name" and not trace.name:
                trace.name = args["name"]
            elif name == "thread_name":
                tid = get("tid", int)
                trace.lanes.setdefault(tid, Lane()).thread = args["name"]
                named.add(tid)
            continue
        if phase not in ("X", "b", "e", "i"):
            continue  # other kinds of event exist in the format; trace.cpp writes none
        tid, ts = get("tid", int), get("ts", (int, float))
        lane = trace.lanes.setdefault(tid, Lane())
        if phase == "X":
            end = ts + get("dur", (int, float))
            (lane.background if name == "merge" else lane.busy).append((ts, end, name))
        elif phase == "i":
            lane.instants.append(ts)
        else:  # an async pair, matched by thread, id and name
            key = (tid, json.dumps(event.get("id")), name)
            if phase == "b" and key in begun:
                raise ValueError(f"{what} begins async id {key[1]} again before it ended")
            if phase == "e" and key not in begun:
                raise ValueError(f"{what} ends async id {key[1]}, which did not begin on that thread")
            if phase == "b":
                begun[key] = ts
            else:
                lane.suspended.append((begun.pop(key), ts))
        trace.end = max(trace.end, end if phase == "X" else ts)
    if begun:
        tid, id_, name = next(iter(begun))
        raise ValueError(f'async span "{name}" id {id_} on tid {tid} begins but never ends')
    trace.lanes = {tid: trace.lanes[tid] for tid in sorted(named)}  # only named threads get a lane
    for lane in trace.lanes.values():
        lane.busy = with_depths(lane.busy)
        lane.suspended = in_bands(lane.suspended)
    return trace


def earlier(span):  # by start; at the same start the longer one first, so it encloses the other
    return span[0], -span[1]


def with_depths(spans):
    """Each span with how many spans enclose it (0 = outermost), like a call stack."""
    out, open_ends = [], []
    for begin, end, name in sorted(spans, key=earlier):
        while open_ends and open_ends[-1] <= begin:
            open_ends.pop()
        out.append((begin, end, name, len(open_ends)))
        open_ends.append(end)
    return out


def in_bands(spans):
    """Each span in the first band free at its start, so overlapping ones stay apart."""
    out, band_ends = [], []
    for begin, end in sorted(spans, key=earlier):
        band = next((b for b, band_end in enumerate(band_ends) if band_end <= begin), len(band_ends))
        if band == len(band_ends):
            if band < MAX_BANDS:
                band_ends.append(end)
            else:
                band -= 1
        band_ends[band] = max(band_ends[band], end)
        out.append((begin, end, band))
    return out


def marks(spans, total):
    """Spans sorted by begin as (start, width) marks at least MIN_MARK of
    total wide, the ones that touch merged: a thousand tiny events become a
    few marks."""
    out = []
    for begin, end, *_ in spans:
        end = max(end, begin + MIN_MARK * total)
        if out and begin <= out[-1][0] + out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][0] + out[-1][1], end) - out[-1][0])
        else:
            out.append((begin, end - begin))
    return out


def style(name):
    return STYLES.get(name, STYLES["other"])


def draw(traces):
    plt = toolkit.pyplot()
    heights = [sum(1 + 0.2 * (max((s[2] for s in lane.suspended), default=-1) + 1) for lane in t.lanes.values())
               + 0.8 for t in traces]
    figure = plt.figure(figsize=(12, 1.6 + 0.36 * sum(heights)), layout="constrained")
    rows = figure.add_gridspec(len(traces) + 1, 1, height_ratios=[2.2] + heights)  # the key, then the charts
    key = figure.add_subplot(rows[0])
    key.axis("off")
    axes = [figure.add_subplot(rows[1])]
    axes += [figure.add_subplot(rows[i], sharex=axes[0]) for i in range(2, len(traces) + 1)]
    total = max((t.end for t in traces), default=0) or 1
    for number, (trace, ax) in enumerate(zip(traces, axes), 1):
        y, labels = 0.0, []
        for lane in trace.lanes.values():
            bands = max((s[2] for s in lane.suspended), default=-1) + 1
            labels.append((y - 0.5, lane.thread))
            colour, alpha, _ = style("merge")
            ax.broken_barh(marks(lane.background, total), (y - 0.85, 0.7), color=colour, alpha=alpha)
            for depth in sorted({span[3] for span in lane.busy}):  # outer ones first, each level inside shorter
                for name in sorted({s[2] for s in lane.busy if s[3] == depth}, key=lambda n: style(n)[1]):
                    colour, alpha, _ = style(name)
                    ax.broken_barh(marks([s for s in lane.busy if s[3] == depth and s[2] == name], total),
                                   (y - 0.85 + 0.12 * depth, 0.7 - 0.24 * depth), color=colour, alpha=alpha)
            colour, alpha, _ = style("suspended")
            for band in range(bands):  # suspended coroutines: thin bands under the bars, the thread stays free
                ax.broken_barh(marks([s for s in lane.suspended if s[2] == band], total),
                               (y - 1.08 - 0.2 * band, 0.12), color=colour, alpha=alpha)
            ax.vlines(lane.instants, y - 0.2, y - 0.02, color="black", lw=0.8)  # a line merged
            y -= 1 + 0.2 * bands
        ax.set_yticks([at for at, _ in labels], [text for _, text in labels], family="monospace")
        ax.set_ylim(y - 0.1, 0.1)
        ax.set_title(trace.name or f"trace {number}", loc="left", fontweight="bold", fontsize=11)
        ax.set_title(f"{len(trace.lanes)} threads, {trace.end / 1000:.3f} ms", loc="right", color="#555")
        ax.grid(axis="x", color="#ddd")
        ax.tick_params(axis="y", length=0)
        ax.spines[["top", "right", "left"]].set_visible(False)
    axes[0].set_xlim(0, total)
    axes[0].xaxis.set_major_formatter(lambda value, _: f"{value / 1000:g} ms")
    axes[0].tick_params(axis="x", labeltop=True)
    for ax in axes[:-1]:
        ax.tick_params(axis="x", labelbottom=False)
    entries = {text: plt.Rectangle((0, 0), 1, 1, color=colour, alpha=alpha) for colour, alpha, text in STYLES.values()}
    entries["line merged"] = plt.Line2D([], [], color="black", ls="", marker="|", ms=10)
    key.legend(entries.values(), entries.keys(), loc="lower left", ncol=4, frameon=False)
    key.set_title("Threads over time: one lane per thread, every trace on the same time scale", loc="left",
                  fontweight="bold", fontsize=12)
    return figure


def main(arguments):
    output, *paths = arguments
    traces = []
    for path in paths:
        try:
            traces.append(read_trace(toolkit.read_text(path)))
        except ValueError as error:
            raise Failure(path, error) from None
    toolkit.write_all({output: draw(traces)})


def wrong_arguments(arguments):
    if len(arguments) < 2:
        return ""
    if arguments[0].endswith(".json"):  # a trace named first would be overwritten
        return f"{arguments[0]}: the output must not be a .json file"
    return None


if __name__ == "__main__":
    toolkit.run("trace_picture", USAGE, wrong_arguments, main)
