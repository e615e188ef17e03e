#!/usr/bin/env python3
"""Time vasmap against `cat` of the /proc file each view reads and against procps-ng pmap.

Run through bench/run.sh, which builds vasmap and the mapper and installs what is missing.

For each N it starts bench/mapper (a process with N separate mappings), then runs every
command of every view in rounds: one run of each command per round, in a fixed order
(A B C A B C ...), so slow drifts of a shared machine hit every command alike. Each run
goes through bench/spawn (a small C program: fork, exec with stdout to /dev/null, wait4),
which measures its wall time and its peak memory (max RSS from wait4's rusage). Medians are reported, with ratios
to `cat` of the same file and to pmap with the same flags, measured in the same rounds.
"""

import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time


def run_once(spawn, argv):
    """Run argv through bench/spawn (stdout to /dev/null); return (seconds, max RSS in
    KiB, exit status, CPU seconds) as spawn measured them."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.dup2(w, 3)
            os.execv(spawn, [spawn, *argv])
        finally:
            os._exit(127)
    os.close(w)
    with os.fdopen(r) as f:
        report = f.read().split()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or len(report) != 4:
        sys.exit(f"bench: spawn failed for {' '.join(argv)}")
    ns, rss, code, cpu = (int(x) for x in report)
    return ns / 1e9, rss, code, cpu / 1e9


# What each view reads, the pmap flags that print the same thing, and the vasmap flags
# (the first spelling the binary accepts is used). A view is measured when every option
# of a spelling appears in `vasmap --help` and a trial run with it exits 0; otherwise it
# is skipped, and the script says so.
VIEWS = [
    # name,                  file,           pmap flags, vasmap spellings
    ("pmap mode, default", "maps", [], [["--pmap"]]),
    ("pmap mode, -x", "smaps", ["-x"], [["--pmap", "-x"]]),
    ("pmap mode, -X", "smaps", ["-X"], [["--pmap", "-X"]]),
    ("pmap mode, -XX", "smaps", ["-XX"], [["--pmap", "-XX"]]),
    ("JSON with -x", "smaps", ["-x"], [["--json", "-x"], ["--output", "json", "-x"]]),
    ("totals only (--totals)", "smaps_rollup", None, [["--totals"]]),
    ("per kind and file (--summary)", "smaps", None, [["--summary"]]),
    ("the table (comfy-table)", "maps", [], [[]]),
]


def options_of(flags):
    """The options a spelling uses, as `--help` lists them (-XX is -X given twice)."""
    out = []
    for f in flags:
        if re.fullmatch(r"-([A-Za-z])\1+", f):
            f = f[:2]
        if f.startswith("-"):
            out.append(f)
    return out


def choose_views(vasmap, pid):
    """The views this binary can show, with the spelling to use, and those skipped."""
    words = help_words(vasmap)
    views, skipped = [], []
    for name, file, pflags, spellings in VIEWS:
        chosen, why = None, []
        for flags in spellings:
            missing = [w for w in options_of(flags) if w not in words]
            if missing:
                why.append(f"--help does not list {' '.join(missing)}")
                continue
            trial = subprocess.run(
                [vasmap, *flags, pid], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            if trial.returncode != 0:
                why.append(f"`vasmap {' '.join(flags)}` exits {trial.returncode}")
                continue
            chosen = flags
            break
        if chosen is None:
            skipped.append((name, "; ".join(why)))
            print(f"bench: skipping '{name}': {'; '.join(why)}", file=sys.stderr)
        else:
            views.append((name, file, pflags, chosen))
    return views, skipped

TARGETS = {
    "pmap mode, default": 1.3,
    "pmap mode, -x": 1.3,
    "pmap mode, -X": 1.3,
    "pmap mode, -XX": 1.3,
    "JSON with -x": 1.5,
    "totals only (--totals)": 1.3,
}

# The sizes the targets are set for: time ratios and memory at 60,000 mappings, the
# table's time against pmap at 10,000.
TARGET_SIZE = 60000
TABLE_SIZE = 10000

MEMORY_BUDGET_KIB = 16 * 1024


def help_words(vasmap):
    """The option spellings `vasmap --help` lists."""
    out = subprocess.run([vasmap, "--help"], capture_output=True, text=True).stdout
    return set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", out))


def start_mapper(mapper, n, tmp):
    p = subprocess.Popen(
        [mapper, str(n), tmp], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    line = p.stdout.readline()
    if not line.startswith("ready "):
        p.kill()
        sys.exit(f"bench: the mapper did not start with {n} mappings: {line!r}")
    return p


def stop_mapper(p):
    p.stdin.close()
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            mem = f"{kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    pmap_version = subprocess.run(
        ["pmap", "--version"], capture_output=True, text=True
    ).stdout.strip()
    return (
        f"{cpu}, {os.cpu_count()} CPUs, {mem}; Linux {platform.release()}; "
        f"{pmap_version}"
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vasmap", required=True)
    ap.add_argument("--mapper", required=True)
    ap.add_argument("--spawn", required=True)
    ap.add_argument("--sizes", default="100,10000,60000")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--out", help="markdown file to write the results into")
    args = ap.parse_args()

    views, skipped = None, []
    results = {}  # n -> list of rows
    with tempfile.TemporaryDirectory(prefix="vasmap-bench-") as tmp:
        for n in [int(s) for s in args.sizes.split(",")]:
            mapper = start_mapper(args.mapper, n, tmp)
            pid = str(mapper.pid)
            try:
                if views is None:
                    views, skipped = choose_views(args.vasmap, pid)
                with open(f"/proc/{pid}/maps", "rb") as f:
                    count = sum(1 for _ in f)
                # The commands, each once: cat of each file, pmap per flag set, vasmap per view.
                cmds = {}
                for name, file, pflags, vflags in views:
                    cmds[("cat", file)] = ["cat", f"/proc/{pid}/{file}"]
                    if pflags is not None:
                        cmds[("pmap", tuple(pflags))] = ["pmap", *pflags, pid]
                    cmds[("vasmap", name)] = [args.vasmap, *vflags, pid]
                keys = list(cmds)
                times = {k: [] for k in keys}
                cpus = {k: [] for k in keys}
                peak = {k: 0 for k in keys}
                print(
                    f"bench: {count} mappings (pid {pid}): {len(keys)} commands, "
                    f"{args.warmup} warm-up + {args.rounds} rounds",
                    file=sys.stderr,
                )
                for r in range(args.warmup + args.rounds):
                    for k in keys:
                        secs, rss, code, cpu = run_once(args.spawn, cmds[k])
                        if code != 0:
                            sys.exit(f"bench: {' '.join(cmds[k])} exited with {code}")
                        if r >= args.warmup:
                            times[k].append(secs)
                            cpus[k].append(cpu)
                            peak[k] = max(peak[k], rss)
                med = {k: statistics.median(v) for k, v in times.items()}
                cpu_med = {k: statistics.median(v) for k, v in cpus.items()}
                rows = []
                for name, file, pflags, vflags in views:
                    cat = med[("cat", file)]
                    pm = med.get(("pmap", tuple(pflags))) if pflags is not None else None
                    v = med[("vasmap", name)]
                    rows.append(
                        {
                            "view": name,
                            "command": "vasmap " + " ".join(vflags + ["PID"]),
                            "file": file,
                            "cat_ms": cat * 1e3,
                            "pmap_ms": pm * 1e3 if pm is not None else None,
                            "pmap_cmd": "pmap " + " ".join(pflags + ["PID"])
                            if pflags is not None
                            else None,
                            "pmap_ratio_cat": pm / cat if pm is not None else None,
                            "pmap_peak": peak.get(("pmap", tuple(pflags)))
                            if pflags is not None
                            else None,
                            "vasmap_ms": v * 1e3,
                            "ratio_cat": v / cat,
                            "cpu_ratio_cat": cpu_med[("vasmap", name)]
                            / max(cpu_med[("cat", file)], 1e-9),
                            "ratio_pmap": v / pm if pm else None,
                            "peak_kib": peak[("vasmap", name)],
                        }
                    )
                results[count] = rows
                print_rows(count, rows)
            finally:
                stop_mapper(mapper)
    if args.out:
        write_markdown(args, results, skipped)


def fmt(x, spec, none="—"):
    return none if x is None else format(x, spec)


def ratio(x):
    return "—" if x is None else f"{x:.2f}x"


def print_rows(count, rows):
    print(f"\n{count} mappings")
    print(
        f"{'view':30} {'cat ms':>8} {'pmap ms':>8} {'vasmap ms':>9} "
        f"{'x cat':>6} {'x cat cpu':>9} {'x pmap':>6} {'peak MiB':>8}"
    )
    for r in rows:
        print(
            f"{r['view']:30} {r['cat_ms']:8.2f} {fmt(r['pmap_ms'], '8.2f', '       —')} "
            f"{r['vasmap_ms']:9.2f} {r['ratio_cat']:6.2f} {r['cpu_ratio_cat']:9.2f} "
            f"{fmt(r['ratio_pmap'], '6.2f', '     —')} {r['peak_kib'] / 1024:8.1f}"
        )


def verdict(row, count):
    """The targets this row is measured against, met or not ('' when none applies)."""
    out = []
    big = count >= TARGET_SIZE
    if big and row["view"] in TARGETS:
        t = TARGETS[row["view"]]
        out.append(f"≤ {t}x cat: {'met' if row['ratio_cat'] <= t else 'NOT met'}")
    if row["view"].startswith("the table") and TABLE_SIZE <= count < TARGET_SIZE:
        pm = row["pmap_ms"]
        ok = pm is not None and row["vasmap_ms"] <= pm
        out.append(f"≤ pmap's time: {'met' if ok else 'NOT met'}")
    if big:
        ok = row["peak_kib"] <= MEMORY_BUDGET_KIB
        out.append(f"≤ 16 MiB: {'met' if ok else 'NOT met'}")
    return "; ".join(out)


def write_markdown(args, results, skipped):
    lines = []
    lines.append(
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on: "
        f"{machine()}."
    )
    lines.append("")
    lines.append(
        f"Command: `bench/run.sh` ({args.rounds} interleaved rounds after {args.warmup} "
        "warm-up rounds; medians of wall time, and of CPU time (user plus system: less "
        "disturbed by other work on the machine); peak memory is the largest max-RSS over "
        "the rounds). Load average at the start: "
        f"{' '.join(open('/proc/loadavg').read().split()[:3])}."
    )
    for count, rows in results.items():
        lines.append("")
        lines.append(f"### {count} mappings")
        lines.append("")
        lines.append(
            "| view | floor | floor ms | pmap ms | pmap / floor | vasmap ms | vasmap / floor "
            "| vasmap / floor, CPU time | vasmap / pmap | vasmap peak MiB | pmap peak MiB "
            "| target |"
        )
        lines.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
        for r in rows:
            lines.append(
                f"| {r['view']} (`{r['command']}`) | `cat {r['file']}` | {r['cat_ms']:.2f} "
                f"| {fmt(r['pmap_ms'], '.2f')} | {ratio(r['pmap_ratio_cat'])} "
                f"| {r['vasmap_ms']:.2f} | **{r['ratio_cat']:.2f}x** "
                f"| {r['cpu_ratio_cat']:.2f}x "
                f"| {ratio(r['ratio_pmap'])} | {r['peak_kib'] / 1024:.1f} "
                f"| {fmt(r['pmap_peak'] / 1024 if r['pmap_peak'] else None, '.1f')} "
                f"| {verdict(r, count)} |"
            )
        over = [r for r in rows if r["peak_kib"] > MEMORY_BUDGET_KIB]
        if over:
            lines.append("")
            lines.append(
                "Peak memory over the 16 MiB budget: "
                + ", ".join(f"{r['view']} ({r['peak_kib'] / 1024:.1f} MiB)" for r in over)
                + "."
            )
    if skipped:
        lines.append("")
        lines.append(
            "Not measured (the binary does not show this view yet): "
            + "; ".join(f"{name} ({why})" for name, why in skipped)
            + "."
        )
    text = "\n".join(lines) + "\n"
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    try:
        with open(args.out) as f:
            doc = f.read()
    except FileNotFoundError:
        doc = ""
    if begin in doc and end in doc:
        head, rest = doc.split(begin, 1)
        _, tail = rest.split(end, 1)
        doc = f"{head}{begin}\n{text}{end}{tail}"
    else:
        doc = f"{doc}\n{begin}\n{text}{end}\n" if doc else f"{begin}\n{text}{end}\n"
    with open(args.out, "w") as f:
        f.write(doc)
    print(f"\nbench: wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
