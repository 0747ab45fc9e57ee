#!/usr/bin/env python3
"""How long `dossier serve` takes from an edit to the edited page serving it.

    benches/serve_latency.py ROOT RUNBOOK_ID [--edits N] [--title] [--page PATH]

Starts the release binary on ROOT, then N times (default 10) edits
runbooks/RUNBOOK_ID.md (a prose heading, or its title with --title, which
also changes the index pages) and polls the runbook's page over HTTP until
the edit shows (or the page at PATH, e.g. index.html, which lists the
runbook's title); prints the median, min and max in ms. The file watcher's
50 ms debounce is included: this is what a founder waits for. The file is
restored at the end.
"""
import argparse, re, statistics, subprocess, time, urllib.request, pathlib

here = pathlib.Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser()
parser.add_argument("root")
parser.add_argument("runbook")
parser.add_argument("--edits", type=int, default=10)
parser.add_argument("--title", action="store_true")
parser.add_argument("--page", help="site path to poll instead of the runbook's page")
parser.add_argument("--pause", type=float, default=2.0,
                    help="seconds between edits (the files covering every source are rewritten after each)")
args = parser.parse_args()

path = pathlib.Path(args.root) / "runbooks" / f"{args.runbook}.md"
original = path.read_text()
if args.title:
    old = re.search(r"^title: (.*)$", original, re.M).group(0)
else:
    old = re.search(r"^## .*$", original, re.M).group(0)

server = subprocess.Popen(
    [str(here / "target/release/dossier"), "serve", "--root", args.root,
     "--port", "0", "--today", "2026-12-04"],
    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    url = re.search(r"http://\S+", server.stdout.readline()).group(0)
    page = url + (args.page or f"runbooks/{args.runbook}/index.html")
    times = []
    for i in range(args.edits):
        marker = f"edit{i}x{time.time_ns()}"
        path.write_text(original.replace(old, f"{old} {marker}", 1))
        started = time.perf_counter()
        while marker not in urllib.request.urlopen(page).read().decode():
            time.sleep(0.002)
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(args.pause)  # let the machine files be rewritten before the next edit
finally:
    path.write_text(original)
    server.terminate()
print(f"edit -> page shows it: median {statistics.median(times):.0f} ms, "
      f"min {min(times):.0f}, max {max(times):.0f} ({len(times)} edits, "
      f"{'title' if args.title else 'prose'}, {args.page or 'its page'})")
