"""`mlflow-lite report` opened in Debian's headless Chromium with the network
off (stage scripts/stages/report.sh; label "tool").

1. Folders: the Python-MLflow folder of mlflow_folders.py, plus one run with a
   metric of LONG_POINTS points (it must be downsampled) and a NaN in the
   middle of another (a gap).
2. `mlflow-lite report -o report.html` over them.
3. Chromium loads file://report.html with every network request refused (a
   proxy that does not exist, a host resolver that resolves nothing) and a
   net log; `--dump-dom` gives the DOM after the scripts ran, `--screenshot`
   a PNG.
4. Checks on the DOM, with MLflow 3.18 as the judge of the values: one chart
   per metric key of the runs (MlflowClient), one table row per run in
   search_runs' order, each latest value shown as MLflow's get_run gives it,
   the params that differ marked (exactly those), tick labels and a legend on
   every chart, a log scale only where the values span decades, the NaN as a
   gap in its line, the downsampling said, the rows in the file itself (readable
   without scripts), the scripts ran
   (<html data-js="ready">). Fails on any console error and on any request that
   is not for the file itself.
5. Sorting, where scripts run: a copy of the report with one more inline script
   at its end that clicks the "loss" column header twice (element.click(): the
   report's own click handler sorts) and writes the row order after each click
   into <html data-order-N>. The rows must be MLflow's latest loss ascending,
   then descending (stable: ties keep search_runs' order; a run without the
   metric stays last both ways), with aria-sort saying so; again no console
   error and no request.
6. Controls, so that a broken capture cannot pass: a page that logs a
   console error and asks for http://192.0.2.1/ must show both in the same
   captures.

    python test_report_chromium.py MLFLOW_LITE [--screenshot-to docs/img/report.png]
"""
import argparse
import html.parser
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlflow_folders  # noqa: E402

from mlflow import MlflowClient  # noqa: E402

LONG_POINTS = 1_000_000
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(args, tmp, url):
    """Runs headless Chromium with the network refused; (stdout, stderr, net log text)."""
    if not CHROMIUM:
        raise SystemExit("FAIL: chromium is not installed (scripts/setup-test-env.sh installs Debian's chromium)")
    netlog = os.path.join(tmp, "netlog-%d.json" % len(os.listdir(tmp)))
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--user-data-dir=" + os.path.join(tmp, "profile"), "--proxy-server=127.0.0.1:9",
           "--host-resolver-rules=MAP * ~NOTFOUND", "--log-net-log=" + netlog, "--enable-logging=stderr", "--v=0",
           "--virtual-time-budget=5000"] + args + [url]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    log = open(netlog).read() if os.path.exists(netlog) else ""
    return p.stdout, p.stderr, log


def console_errors(stderr):
    return [l for l in stderr.splitlines() if "CONSOLE" in l and ("ERROR" in l or "Uncaught" in l or "error" in l)]


def requests_out(netlog):
    """The requests the page made (URL_REQUEST_START_JOB with a document initiator: initiator "null" or
    a file: site). Chromium's own background requests (updates, accounts; initiator "not an origin")
    are not the page's and are left out. A net log that cannot be read fails."""
    try:
        d = json.loads(netlog)
    except ValueError:
        try:
            d = json.loads(netlog.rstrip().rstrip(",") + "]}")
        except ValueError:
            return ["(the net log cannot be read)"]
    types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
    out = set()
    for e in d.get("events", []):
        p = e.get("params") or {}
        if types.get(e["type"]) != "URL_REQUEST_START_JOB" or "url" not in p:
            continue
        page = p.get("initiator") != "not an origin" or "site=file://" in p.get("site_for_cookies", "")
        if page and not p["url"].startswith(("file:", "data:", "about:", "chrome:")):
            out.add(p["url"])
    return sorted(out)


def controls(tmp):
    page = os.path.join(tmp, "control.html")
    with open(page, "w") as f:
        f.write("<!DOCTYPE html><html><body><img src='http://192.0.2.1/x.png'>"
                "<script>console.error('control-error-4711')</script></body></html>")
    _, err, log = chromium(["--dump-dom"], tmp, "file://" + page)
    ok = any("control-error-4711" in l for l in console_errors(err)) and "http://192.0.2.1/x.png" in requests_out(log)
    if not ok:
        raise SystemExit("FAIL: the control page's console error or request was not captured: the checks "
                         "below would prove nothing (stderr: %r, net log %d bytes)" % (err[-500:], len(log)))


class Dom(html.parser.HTMLParser):
    """The parts of the dumped DOM the checks need."""

    def __init__(self):
        super().__init__()
        self.html_attrs, self.charts, self.rows, self.stack = {}, [], [], []
        self.cells, self.text, self.paths, self.downsampled = None, [], {}, 0
        self.in_row = None
        self.ticks, self.legend, self.labels, self.d = {}, {}, {}, {}
        self.diff_keys, self.in_th, self.in_label = [], False, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.html_attrs = a
        if tag == "figure" and "chart" in (a.get("class") or ""):
            self.charts.append(a.get("data-key"))
            self.paths[a.get("data-key")] = []
        if tag in ("path", "circle") and a.get("data-run") and self.charts:
            self.paths[self.charts[-1]].append(a.get("data-run"))
            if tag == "path":
                self.d[(self.charts[-1], a["data-run"])] = a.get("d") or ""
        cls, chart = a.get("class") or "", self.charts[-1] if self.charts else None
        if tag == "text" and cls == "tick" and chart is not None:
            self.ticks[chart] = self.ticks.get(chart, 0) + 1
        if tag == "text" and cls == "axis-label" and chart is not None:
            self.in_label = chart
        if tag == "li" and a.get("data-run") and chart is not None:
            self.legend[chart] = self.legend.get(chart, 0) + 1
        if tag == "tr" and cls == "diff":
            self.diff_keys.append("")
            self.in_th = True
        if tag == "tr" and a.get("data-run"):
            self.in_row = {"run": a["data-run"], "cells": []}
        if tag == "td" and self.in_row is not None:
            self.in_row["cells"].append("")
            self.stack.append("td")
        if tag == "b" and "downsampled" in (a.get("class") or ""):
            self.downsampled += 1

    def handle_endtag(self, tag):
        if tag == "th":
            self.in_th = False
        if tag == "text":
            self.in_label = None
        if tag == "tr" and self.in_row is not None:
            self.rows.append(self.in_row)
            self.in_row = None
        if tag == "td" and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.in_th and self.diff_keys:
            self.diff_keys[-1] += data
        if self.in_label is not None:
            self.labels.setdefault(self.in_label, []).append(data)
        if self.in_row is not None and self.stack:
            self.in_row["cells"][-1] += data


def make_folder(tmp):
    root = os.path.join(tmp, "mlruns")
    info = mlflow_folders.make_python_folder(root)
    c = MlflowClient("file://" + root)
    rid = c.create_run(info["experiments"][0], run_name="long", start_time=mlflow_folders.T0 + 99000).info.run_id
    c.log_param(rid, "lr", "0.5")
    path = os.path.join(root, info["experiments"][0], rid, "metrics")
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "acc"), "w") as f:  # a long history, written in the FileStore's format
        f.writelines("%d %r %d\n" % (mlflow_folders.T0 + s, 0.5 + 0.4 * math.sin(s / 5000.0), s)
                     for s in range(LONG_POINTS))
    with open(os.path.join(path, "decades"), "w") as f:  # positive, 1e-6 .. 1e3: a log scale
        f.writelines("%d %r %d\n" % (mlflow_folders.T0 + s, 10.0 ** (s / 10.0 - 6), s) for s in range(91))
    with open(os.path.join(path, "gappy"), "w") as f:
        f.writelines("%d %s %d\n" % (mlflow_folders.T0 + s, "nan" if s == 50 else repr(s * 0.01), s)
                     for s in range(100))
    c.set_terminated(rid, "FINISHED")
    return root, info, rid


def expected(root, info):
    """What MLflow says: the runs in search order, their metric keys and latest values, their params."""
    c = MlflowClient("file://" + root)
    runs = c.search_runs(info["experiments"], max_results=1000)
    return [(r.info.run_id, r.data.metrics, r.data.params) for r in runs[:100]]


SORT_COLUMN = "loss"
CLICK_SCRIPT = """<script>(function(){var t=document.getElementById('runs'),ths=t.tHead.rows[0].cells,th=null,
h=document.documentElement,i;for(i=0;i<ths.length;i++)if(ths[i].textContent===%s)th=ths[i];
function ids(){return Array.prototype.map.call(t.tBodies[0].rows,function(r){return r.getAttribute('data-run');})
.join(',');}
h.setAttribute('data-order-0',ids());for(i=1;i<=2;i++){th.click();h.setAttribute('data-order-'+i,ids());
h.setAttribute('data-sort-'+i,th.getAttribute('aria-sort'));}})();</script>""" % json.dumps(SORT_COLUMN)


def sorted_ids(want, key, descending):
    """The order the report's sort must give: by MLflow's latest value of key, stable (ties keep
    search_runs' order), the runs without a finite value last in both directions."""
    has = [(rid, m[key]) for rid, m, _ in want if key in m and math.isfinite(m[key])]
    rest = [rid for rid, m, _ in want if not (key in m and math.isfinite(m[key]))]
    return [rid for rid, _ in sorted(has, key=lambda x: -x[1] if descending else x[1])] + rest


def check_click_sort(tmp, out, want):
    """Clicks the SORT_COLUMN header twice in Chromium (the report's own handler) and checks the row order."""
    page = os.path.join(tmp, "report-click.html")
    text = open(out, encoding="utf-8").read()
    if "</body></html>" not in text:
        return ["the report does not end with </body></html>: the click script cannot be added"]
    with open(page, "w", encoding="utf-8") as f:
        f.write(text.replace("</body></html>", CLICK_SCRIPT + "</body></html>"))
    dom_text, err, log = chromium(["--dump-dom"], tmp, "file://" + page)
    problems = ["console error (click run): " + l for l in console_errors(err)]
    problems += ["a request left the file (click run): " + u for u in requests_out(log)]
    dom = Dom()
    dom.feed(dom_text)
    h = dom.html_attrs
    orders = [(h.get("data-order-%d" % i) or "").split(",") for i in range(3)]
    base = [rid for rid, _, _ in want]
    asc, desc = sorted_ids(want, SORT_COLUMN, False), sorted_ids(want, SORT_COLUMN, True)
    if orders[0] != base:
        problems.append("before the click the rows are not search_runs' order (or the click script did not run)")
    if asc == base or desc == asc:
        problems.append("the click test would prove nothing: %s ascending/descending equals the order before" %
                        SORT_COLUMN)
    for i, (want_order, word) in enumerate(((asc, "ascending"), (desc, "descending")), 1):
        if orders[i] != want_order:
            problems.append("click %d on %s: rows %s, MLflow's values %s give %s" % (i, SORT_COLUMN, orders[i][:5],
                                                                                 word, want_order[:5]))
        if h.get("data-sort-%d" % i) != word:
            problems.append("click %d on %s: aria-sort=%r, not %s" % (i, SORT_COLUMN, h.get("data-sort-%d" % i), word))
    print("click-sort on %s: %d rows, ascending then descending checked" % (SORT_COLUMN, len(orders[1])))
    return problems


def fmt6(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return "%.6g" % v


def check_dom(dom, want):
    problems = []
    if dom.html_attrs.get("data-js") != "ready":
        problems.append("the scripts did not run to the end (no data-js=ready)")
    keys = sorted({k for _, m, _ in want for k in m})
    if sorted(dom.charts) != keys:
        problems.append("charts %s, MLflow's metric keys %s" % (sorted(dom.charts), keys))
    if [r["run"] for r in dom.rows] != [w[0] for w in want]:
        problems.append("table rows are not search_runs' runs in its order")
    head = None
    for row, (rid, metrics, _) in zip(dom.rows, want):
        for k, v in metrics.items():
            if fmt6(v) not in row["cells"]:
                problems.append("run %s: latest %s = %s (MLflow) is not in its row %s" % (rid, k, fmt6(v), row["cells"]))
        for k, lines in dom.paths.items():
            if (k in metrics) != (rid in lines):
                problems.append("chart %s: run %s %s" % (k, rid, "missing" if k in metrics else "drawn but has no such key"))
    if not dom.downsampled:
        problems.append("the report does not say that it downsampled the long line")
    for k in dom.charts:
        if dom.ticks.get(k, 0) < 4:
            problems.append("chart %s: %d tick labels (fewer than two per axis)" % (k, dom.ticks.get(k, 0)))
        if dom.legend.get(k, 0) != len(set(dom.paths[k])):
            problems.append("chart %s: %d legend entries for %d runs drawn" % (k, dom.legend.get(k, 0),
                                                                             len(set(dom.paths[k]))))
        if ("log scale" in "".join(dom.labels.get(k, []))) != (k == "decades"):
            problems.append("chart %s: log scale %s" % (k, "missing" if k == "decades" else "where values do not "
                                                        "span decades"))
    gaps = [d for (k, _), d in dom.d.items() if k == "gappy"]
    if not gaps or gaps[0].count("M") < 2:
        problems.append("chart gappy: the NaN at step 50 is not a gap in the line (d=%r)" % (gaps[:1],))
    params = [p for _, _, p in want]
    differ = sorted(k for k in set().union(*params) if len({p.get(k) for p in params}) > 1)
    if sorted(dom.diff_keys) != differ:
        problems.append("params marked as differing %s, MLflow's params that differ %s" % (sorted(dom.diff_keys),
                                                                                          differ))
    return problems, head


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--screenshot-to")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="inspect-report-")
    try:
        controls(tmp)
        root, info, long_run = make_folder(tmp)
        out = os.path.join(tmp, "report.html")
        cmd = [a.tool, "--json", "report", root, "-o", out] + sum((["-e", e] for e in info["experiments"]), [])
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            raise SystemExit("FAIL: report exited %d: %s" % (p.returncode, p.stderr))
        res = json.loads(p.stdout)
        size = os.path.getsize(out)
        print("report: %d runs, %d charts, %d bytes, %d points read, %d drawn" %
              (res["runs"], res["charts"], size, res["points_read"], res["points_drawn"]))
        dom_text, err, log = chromium(["--dump-dom"], tmp, "file://" + out)
        problems = ["console error: " + l for l in console_errors(err)]
        problems += ["a request left the file: " + u for u in requests_out(log)]
        dom = Dom()
        dom.feed(dom_text)
        want = expected(root, info)
        problems += check_dom(dom, want)[0]
        problems += check_click_sort(tmp, out, want)
        static = Dom()
        static.feed(open(out, encoding="utf-8").read())
        if [r["run"] for r in static.rows] != [r["run"] for r in dom.rows]:
            problems.append("the table is not readable without scripts: the file itself has %d rows, the page %d"
                            % (len(static.rows), len(dom.rows)))
        if size > 4 << 20:
            problems.append("the file is %d bytes with a %d-point line: more than a few MB" % (size, LONG_POINTS))
        shot = os.path.join(tmp, "report.png")
        _, err2, log2 = chromium(["--screenshot=" + shot, "--window-size=1280,1600", "--hide-scrollbars"], tmp,
                                 "file://" + out)
        problems += ["console error (screenshot run): " + l for l in console_errors(err2)]
        problems += ["a request left the file (screenshot run): " + u for u in requests_out(log2)]
        if not os.path.exists(shot) or open(shot, "rb").read(8) != b"\x89PNG\r\n\x1a\n":
            problems.append("no PNG screenshot")
        elif a.screenshot_to:
            shutil.copy(shot, a.screenshot_to)
        for pr in problems:
            print("FAIL:", pr)
        print("chromium report test: %d charts, %d rows checked, %d problems" % (len(dom.charts), len(dom.rows),
                                                                              len(problems)))
        return 1 if problems else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
