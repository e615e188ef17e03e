#!/usr/bin/env python3
"""Time vasmap against the least reading each view needs (`cat` of the /proc files it
reads, or a small C reader) and against procps-ng pmap, on what users run.

Run through bench/run.sh, which builds vasmap and the helpers and installs what is missing.

Cases (each a set of processes started for it, then every command of the case in rounds):
- N mappings (bench/mapper: a process with N separate mappings), N from --sizes: every
  view of vasmap as a terminal shows it (`--color always`), the pmap views, JSON,
  --summary, --totals;
- 250 pids in one call (250 `sleep`s): `--pmap` and `--pmap -x`, beside `cat` of the 250
  maps (smaps) and pmap of the 250;
- a process with 2,000 threads (tests/support/threads.c): the table, beside bench/floor
  (its maps and each thread's task/TID/syscall);
- `--all` with a few hundred processes (300 `sleep`s beside the machine's own), beside
  bench/floor --rollups: every smaps_rollup, as `cat` reads it.

Rounds run each command once, in a fixed order (A B C A B C ...), so slow drifts of a
shared machine hit every command alike. A case of fewer mappings runs more rounds
(`rounds_for`), and each ratio is given with the first and third quartiles of its rounds:
a target is met only when three rounds in four are within it. Each run goes through
bench/spawn (fork, exec with stdout to /dev/null, wait4): wall time, CPU time (user +
system, the kernel's work of making the /proc files included) and peak memory (max
RSS). A ratio to the floor is the
median over rounds of the CPU time of vasmap's run divided by the floor's in the same
round (paired runs); wall-time medians are given beside. With --callgrind, each vasmap
command is also run once under valgrind's callgrind: instructions executed in user space,
which other work on the machine does not change.
"""

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile

MIB = 1024


def run_once(spawn, argv):
    """Run argv through bench/spawn; return (wall s, max RSS KiB, exit status, CPU s)."""
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
        sys.exit(f"bench: spawn failed for {' '.join(argv[:4])}")
    ns, rss, code, cpu = (int(x) for x in report)
    return ns / 1e9, rss, code, cpu / 1e9


def callgrind(argv):
    """User-space instructions of one run of argv under callgrind (None if it failed)."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        p = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for line in p.stderr.splitlines():
            if "Collected :" in line:
                return int(line.split(":")[-1])
    return None


class Row:
    """One comparison: vasmap's command against its floor (and pmap's, when it has one)."""

    def __init__(self, view, vasmap, floor, floor_name, pmap=None, target=None):
        self.view, self.vasmap, self.floor = view, vasmap, floor
        self.floor_name, self.pmap, self.target = floor_name, pmap, target


def measure(spawn, rows, rounds, warmup, label):
    """Run every distinct command of `rows` in interleaved rounds; per command the lists
    of (wall, cpu) and the peak RSS."""
    cmds = {}
    for r in rows:
        for c in (r.floor, r.pmap, r.vasmap):
            if c is not None:
                cmds.setdefault(tuple(c), list(c))
    keys = list(cmds)
    samples = {k: [] for k in keys}
    peak = {k: 0 for k in keys}
    print(
        f"bench: {label}: {len(keys)} commands, {warmup} warm-up + {rounds} rounds",
        file=sys.stderr,
    )
    for n in range(warmup + rounds):
        for k in keys:
            wall, rss, code, cpu = run_once(spawn, cmds[k])
            if code != 0:
                sys.exit(f"bench: {' '.join(cmds[k][:6])} exited with {code}")
            if n >= warmup:
                samples[k].append((wall, cpu))
                peak[k] = max(peak[k], rss)
    return samples, peak


def summarize(rows, samples, peak, use_callgrind):
    out = []
    for r in rows:
        v, f = samples[tuple(r.vasmap)], samples[tuple(r.floor)]
        p = samples.get(tuple(r.pmap)) if r.pmap else None
        paired = [vc / max(fc, 1e-9) for (_, vc), (_, fc) in zip(v, f)]
        q1, ratio, q3 = quartiles(paired)
        res = {
            "view": r.view,
            "command": " ".join(r.vasmap_display),
            "floor": r.floor_name,
            "floor_ms": statistics.median(c for _, c in f) * 1e3,
            "vasmap_ms": statistics.median(c for _, c in v) * 1e3,
            "vasmap_wall_ms": statistics.median(w for w, _ in v) * 1e3,
            "ratio": ratio,
            "q1": q1,
            "q3": q3,
            "wall_ratio": statistics.median(w for w, _ in v)
            / max(statistics.median(w for w, _ in f), 1e-9),
            "peak_kib": peak[tuple(r.vasmap)],
            "target": r.target,
            "pmap_ratio": None,
            "pmap_peak": None,
            "ir": callgrind(r.vasmap) if use_callgrind else None,
        }
        if p:
            res["pmap_ratio"] = statistics.median(
                pc / max(fc, 1e-9) for (_, pc), (_, fc) in zip(p, f)
            )
            res["pmap_peak"] = peak[tuple(r.pmap)]
        out.append(res)
    return out


def quartiles(xs):
    """The first quartile, the median and the third quartile of xs (the median is
    `statistics.median`'s: the inclusive method's middle cut)."""
    if len(xs) < 2:
        x = xs[0] if xs else 0.0
        return x, x, x
    q1, q2, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return q1, q2, q3


def verdict(res):
    """What the row is held to and whether it holds ('' when nothing). A ratio is held to
    its target by its spread over the rounds, not its median alone: met when three rounds
    in four are within it (the third quartile), not met when three in four are over it
    (the first quartile), else at the line (the target is inside the middle half)."""
    parts = []
    t = res["target"]
    if t is not None:
        if res["q3"] <= t:
            word = "met"
        elif res["q1"] > t:
            word = "NOT met"
        else:
            word = "at the line"
        parts.append(f"≤ {t}x: {word}")
    if res["target"] is not None or res.get("memory"):
        ok = res["peak_kib"] <= 16 * MIB
        parts.append(f"≤ 16 MiB: {'met' if ok else 'NOT met'}")
    return "; ".join(parts)


def start(argv, ready=True):
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if ready:
        line = p.stdout.readline()
        if not line.startswith("ready "):
            p.kill()
            sys.exit(f"bench: {argv[0]} did not start: {line!r}")
    return p


def stop(procs):
    for p in procs:
        try:
            if p.stdin:
                p.stdin.close()
            p.terminate()
            p.wait(timeout=10)
        except (subprocess.TimeoutExpired, OSError):
            p.kill()
            p.wait()


def sleepers(n):
    procs = [
        subprocess.Popen(["sleep", "3600"], stdin=subprocess.DEVNULL) for _ in range(n)
    ]
    # Let every fork exec: a pid still in the fork has Python's larger maps.
    import time

    time.sleep(0.5)
    return procs


def vasmap_row(args, view, flags, floor_files, pid, floor_name, pmap_flags=None,
               target=None, pids=None):
    """A row for `vasmap FLAGS PID...` against `cat` of each pid's files."""
    pids = pids or [pid]
    floor = ["cat", *[f"/proc/{p}/{f}" for p in pids for f in floor_files]]
    pmap = ["pmap", *pmap_flags, *pids] if pmap_flags is not None else None
    r = Row(view, [args.vasmap, *flags, *pids], floor, floor_name, pmap, target)
    r.vasmap_display = ["vasmap", *flags, "PID" if len(pids) == 1 else f"PID×{len(pids)}"]
    return r


# The views at N mappings: (name, vasmap flags, file, pmap flags or None, target at 60,000).
# A terminal's path: colour on wherever the view has colour.
SIZE_VIEWS = [
    ("the table", ["--color", "always"], "maps", [], 1.3),
    ("the table, -x", ["--color", "always", "-x"], "smaps", ["-x"], 1.3),
    ("--explain", ["--color", "always", "--explain"], "maps", None, 2.0),
    ("layout", ["layout", "--color", "always"], "maps", None, 1.5),
    ("--sort rss -x", ["--color", "always", "--sort", "rss", "-x"], "smaps", None, 1.5),
    ("pmap mode, default", ["--pmap"], "maps", [], 1.3),
    ("pmap mode, -x", ["--pmap", "-x"], "smaps", ["-x"], 1.3),
    ("pmap mode, -X", ["--pmap", "-X"], "smaps", ["-X"], 1.3),
    ("pmap mode, -XX", ["--pmap", "-XX"], "smaps", ["-XX"], 1.3),
    ("JSON, -x", ["--json", "-x"], "smaps", ["-x"], 1.5),
    # The summary has no colour (vasmap refuses `--color always` with it).
    ("--summary", ["--summary"], "smaps", None, None),
    ("--totals", ["--totals"], "smaps_rollup", None, 1.3),
]

# Issue 15's targets at 100 mappings: start-up is most of it.
SMALL_TARGETS = {"pmap mode, default": 1.3, "the table": 1.4}


def supported(args, flags, pid):
    """True when this binary has the view (a trial run exits 0)."""
    p = subprocess.run(
        [args.vasmap, *flags, str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    return p.returncode == 0


def rounds_for(rounds, mappings):
    """Rounds for a case of this many mappings: a small case's commands take a millisecond
    or two, which the machine's own work moves by as much as a change would, so they run
    more often (4x under 1,000 mappings, 2x under 20,000) for a steadier median."""
    if mappings < 1000:
        return rounds * 4
    if mappings < 20000:
        return rounds * 2
    return rounds


def size_case(args, n, tmp):
    mapper = start([args.mapper, str(n), tmp])
    pid = str(mapper.pid)
    try:
        with open(f"/proc/{pid}/maps", "rb") as f:
            count = sum(1 for _ in f)
        rows, skipped = [], []
        for name, flags, file, pflags, target in SIZE_VIEWS:
            if not supported(args, flags, pid):
                skipped.append(name)
                print(f"bench: skipping {name}: the binary does not take it", file=sys.stderr)
                continue
            if n >= 60000:
                t = target
            elif n <= 100:
                t = SMALL_TARGETS.get(name)
            else:
                t = None
            r = vasmap_row(args, name, flags, [file], pid, f"cat {file}", pflags, t)
            r.memory = n >= 60000
            rows.append(r)
        rounds = rounds_for(args.rounds, count)
        samples, peak = measure(args.spawn, rows, rounds, args.warmup, f"{count} mappings")
        res = summarize(rows, samples, peak, args.callgrind)
        for r, x in zip(rows, res):
            x["memory"] = getattr(r, "memory", False)
        return f"{count} mappings (bench/mapper {n}, {rounds} rounds)", res, skipped
    finally:
        stop([mapper])


def pids_case(args):
    procs = sleepers(250)
    try:
        pids = [str(p.pid) for p in procs]
        rows = [
            vasmap_row(args, "--pmap, 250 pids", ["--pmap"], ["maps"], None,
                       "cat of the 250 maps", [], 1.3, pids),
            vasmap_row(args, "--pmap -x, 250 pids", ["--pmap", "-x"], ["smaps"], None,
                       "cat of the 250 smaps", ["-x"], 1.2, pids),
            vasmap_row(args, "the table, 250 pids", ["--color", "always"], ["maps"], None,
                       "cat of the 250 maps", [], None, pids),
        ]
        samples, peak = measure(args.spawn, rows, args.rounds, args.warmup, "250 pids")
        return "250 processes (`sleep`) in one call", summarize(rows, samples, peak, args.callgrind), []
    finally:
        stop(procs)


def threads_case(args):
    proc = start([args.threads, "1999"])
    pid = str(proc.pid)
    try:
        with open(f"/proc/{pid}/maps", "rb") as f:
            count = sum(1 for _ in f)
        r = Row("the table, 2,000 threads", [args.vasmap, "--color", "always", pid],
                [args.floor, pid], "maps + each task/TID/syscall (bench/floor.c)",
                ["pmap", pid], 1.3)
        r.vasmap_display = ["vasmap", "--color", "always", "PID"]
        c = vasmap_row(args, "the table, 2,000 threads, against cat maps",
                       ["--color", "always"], ["maps"], pid, "cat maps", [], None)
        rows = [r, c]
        samples, peak = measure(args.spawn, rows, args.rounds, args.warmup, "2,000 threads")
        label = f"a process with 2,000 threads ({count} mappings, tests/support/threads.c)"
        return label, summarize(rows, samples, peak, args.callgrind), []
    finally:
        stop([proc])


def all_case(args):
    procs = sleepers(300)
    try:
        readable = 0
        for name in os.listdir("/proc"):
            try:
                with open(f"/proc/{name}/smaps_rollup", "rb") as f:
                    readable += bool(f.read())
            except OSError:
                pass
        floor = [args.floor, "--rollups"]
        floor_name = f"every smaps_rollup (bench/floor.c --rollups; {readable} readable)"
        rows = []
        for view, flags in [("--all", ["--all", "--color", "always"]),
                            ("--all --json", ["--all", "--json"])]:
            r = Row(view, [args.vasmap, *flags], floor, floor_name, None, 1.3)
            r.vasmap_display = ["vasmap", *flags]
            rows.append(r)
        for view, flags, t in [("--all --count", ["--all", "--count"], None),
                               ("--all --name libc.so.6", ["--all", "--name", "libc.so.6"], None)]:
            r = Row(view, [args.vasmap, *flags], floor, floor_name, None, t)
            r.vasmap_display = ["vasmap", *flags]
            rows.append(r)
        samples, peak = measure(args.spawn, rows, args.rounds, args.warmup, "--all")
        label = f"`--all`: {readable} readable processes (300 `sleep`s and the machine's)"
        return label, summarize(rows, samples, peak, args.callgrind), []
    finally:
        stop(procs)


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
            mem = f"{int(f.readline().split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    pmap_version = subprocess.run(["pmap", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {os.cpu_count()} CPUs, {mem}; Linux {platform.release()}; {pmap_version}"


def fmt(x, spec, none="—"):
    return none if x is None else format(x, spec)


def print_case(label, res):
    print(f"\n{label}")
    print(f"{'view':36} {'floor ms':>8} {'vasmap ms':>9} {'x floor':>7} {'middle half':>11} "
          f"{'x wall':>6} {'pmap x':>6} {'MiB':>5} {'Ir':>12}")
    for r in res:
        print(f"{r['view']:36} {r['floor_ms']:8.2f} {r['vasmap_ms']:9.2f} {r['ratio']:7.2f} "
              f"{r['q1']:5.2f}-{r['q3']:5.2f} "
              f"{r['wall_ratio']:6.2f} {fmt(r['pmap_ratio'], '6.2f', '     —')} "
              f"{r['peak_kib'] / MIB:5.1f} {fmt(r['ir'], '12,d', '           —')}")


def write_markdown(args, results, load):
    lines = [
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on: {machine()}.",
        "",
        f"Command: `ROUNDS={args.rounds} bench/run.sh` ({args.rounds} interleaved rounds after "
        f"{args.warmup} warm-up rounds; a case of fewer mappings, whose commands take a few "
        "milliseconds, more: its heading says how many). Times are "
        "CPU time (user + system) medians; a ratio is "
        "the median over rounds of vasmap's CPU time over the floor's in the same round, with "
        "the first and third quartiles of those rounds in brackets (the middle half); a target "
        "is met when the third quartile is within it, not met when the first is over it, and "
        "at the line between; "
        "\"wall\" is the ratio of wall-time medians; peak memory is the largest max-RSS over "
        "the rounds; Ir is callgrind's count of vasmap's own instructions (one run). "
        f"Load average at the start: {load}; at the end: "
        f"{' '.join(open('/proc/loadavg').read().split()[:3])}.",
    ]
    for label, res, skipped in results:
        lines += ["", f"### {label}", "",
                  "| view | floor | floor ms | pmap / floor | vasmap ms | vasmap / floor (middle half) | wall | "
                  "peak MiB | pmap MiB | Ir | target |",
                  "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
        for r in res:
            lines.append(
                f"| {r['view']} (`{r['command']}`) | {r['floor']} | {r['floor_ms']:.2f} "
                f"| {fmt(r['pmap_ratio'], '.2f')}{'x' if r['pmap_ratio'] else ''} "
                f"| {r['vasmap_ms']:.2f} | **{r['ratio']:.2f}x** ({r['q1']:.2f}–{r['q3']:.2f}) "
                f"| {r['wall_ratio']:.2f}x "
                f"| {r['peak_kib'] / MIB:.1f} | {fmt(r['pmap_peak'] / MIB if r['pmap_peak'] else None, '.1f')} "
                f"| {fmt(r['ir'], ',d')} | {verdict(r)} |"
            )
        if skipped:
            lines += ["", "Not measured (the binary does not take it): " + ", ".join(skipped) + "."]
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
        doc = f"{doc}\n{begin}\n{text}{end}\n"
    with open(args.out, "w") as f:
        f.write(doc)
    print(f"\nbench: wrote {args.out}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for a in ("--vasmap", "--mapper", "--spawn", "--threads", "--floor"):
        ap.add_argument(a, required=True)
    ap.add_argument("--sizes", default="100,10000,60000")
    ap.add_argument("--cases", default="sizes,pids,threads,all")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--out", help="markdown file to write the results into")
    args = ap.parse_args()
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    cases = args.cases.split(",")
    results = []
    with tempfile.TemporaryDirectory(prefix="vasmap-bench-") as tmp:
        if "sizes" in cases:
            for n in [int(s) for s in args.sizes.split(",") if s]:
                results.append(size_case(args, n, tmp))
                print_case(results[-1][0], results[-1][1])
        for name, case in (("pids", pids_case), ("threads", threads_case), ("all", all_case)):
            if name in cases:
                results.append(case(args))
                print_case(results[-1][0], results[-1][1])
    if args.out:
        write_markdown(args, results, load)


if __name__ == "__main__":
    main()
