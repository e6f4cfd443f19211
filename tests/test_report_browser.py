"""report.html in a real headless browser (issue 12): Chromium renders the page of a small
two-queue plan, takes a screenshot and dumps the DOM after its scripts ran; the figures the
page carries as JSON equal the ones recomputed here from the CSV files the plan wrote.

Chromium: /usr/bin/chromium (Debian's ``chromium``; ``make browser`` installs it, .ci/run
does before ``make test``), or the program named by WFM_CHROMIUM. Without it the test fails
under CI (env CI or WFM_REQUIRE_BROWSER set) and is skipped elsewhere."""

import json
import os
import re
import shutil
import struct
import subprocess

import pandas as pd
import pytest
from report_fixture import planned_report

#: the flags a closed network needs (without the background ones Chromium's own services
#: keep connecting) and a root user inside a container needs (--no-sandbox)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]
WIDTH, HEIGHT = 1280, 2000
#: appended to a copy of the page, never to the report: once the page has loaded, write
#: each image's decoded size into the DOM, so the dump shows the embedded PNGs decoded
PROBE = ("<script>window.addEventListener('load', () => {document.body.dataset.images = "
         "Array.from(document.images).map(i => i.naturalWidth + 'x' + i.naturalHeight)"
         ".join(',');});</script>")


def _chromium() -> str:
    given = os.environ.get("WFM_CHROMIUM")
    exe = (shutil.which(given) if given else
           shutil.which("chromium") or shutil.which("chromium-browser"))
    if exe:
        return exe
    reason = ("chromium not found: install it (make browser, or apt-get install -y "
              "chromium) or set WFM_CHROMIUM")
    if os.environ.get("CI") or os.environ.get("WFM_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason)


def _run(exe, profile, *args) -> subprocess.CompletedProcess:
    return subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, timeout=120, check=True)


@pytest.fixture(scope="module")
def browsed(tmp_path_factory):
    exe = _chromium()
    plan, out = planned_report(tmp_path_factory)
    work = tmp_path_factory.mktemp("browser")
    page = work / "report_probe.html"
    page.write_text((out / "report.html").read_text().replace("</body>", PROBE + "</body>"))
    png = work / "report.png"
    _run(exe, work / "profile1", f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}",
         page.as_uri())
    dom = _run(exe, work / "profile2", "--dump-dom", page.as_uri()).stdout.decode("utf-8")
    return out, png, dom


def _json(dom: str, element_id: str):
    # Chromium serialises the attributes with double quotes
    m = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', dom,
                  re.S)
    assert m, f"no {element_id} script in the DOM"
    return json.loads(m.group(1))


def test_screenshot_is_the_page_rendered(browsed):
    out, png, _ = browsed
    data = png.read_bytes()
    # PNG signature, then the IHDR chunk: width and height as big-endian 32-bit numbers
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (WIDTH, HEIGHT)
    assert len(data) > 50_000            # a blank 1280 x 2000 page compresses to ~10 KB
    image = pytest.importorskip("matplotlib.image").imread(png)
    rgb = (image[..., :3] * 255).round().astype(int)
    # the days table is in the first screen: its amber row (a day possibly below target,
    # CSS tr.maybe #fde9b6) is painted when the plan has one
    days = _json(browsed[2], "plan-data")["days"]
    amber = ((rgb[..., 0] == 0xfd) & (rgb[..., 1] == 0xe9) & (rgb[..., 2] == 0xb6)).sum()
    if any(d["status"] == "possibly below target" for d in days):
        assert amber > 1000
    assert rgb.std() > 10                # text, tables and charts, not one colour


def test_images_decode_with_alt_text(browsed):
    _, _, dom = browsed
    sizes = re.search(r'<body data-images="([^"]*)"', dom).group(1).split(",")
    assert len(sizes) == 4
    for size in sizes:
        w, h = map(int, size.split("x"))
        assert w > 300 and h > 150
    alts = re.findall(r'<img alt="([^"]*)"', dom)
    assert len(alts) == 4 and all(len(a) > 40 for a in alts)


def test_dom_figures_equal_the_csv_files(browsed):
    out, _, dom = browsed
    data = _json(dom, "plan-data")
    summary = _json(dom, "wfm-summary")
    assert summary == json.loads((out / "plan_summary.json").read_text())

    # headcount and shift mix, recomputed from shifts.csv (the day a shift starts)
    sh = pd.read_csv(out / "shifts.csv")
    sh["date"] = sh["start"].str[:10]
    sh["paid"] = sh["paid_hours"] * sh["agents"]
    staff = {(r["queue"], r["date"]): r for r in data["staffing"]}
    for (q, d), g in sh.groupby(["queue", "date"]):
        r = staff[(q, d)]
        assert r["people_on_shift"] == g["agents"].sum()
        assert r["paid_hours"] == pytest.approx(g["paid"].sum())
        # FTE = paid hours / (37.5 h x 1 calendar week)
        assert r["fte"] == pytest.approx(g["paid"].sum() / 37.5)
        for t, part in g.groupby("shift_type"):
            assert r[f"shifts_{t}"] == part["agents"].sum()
    assert sum(r["fte"] for r in data["staffing"]) == pytest.approx(summary["fte"])

    # agent-hours and occupancy from requirements.csv and coverage.csv (30-minute rows)
    req = pd.read_csv(out / "requirements.csv")
    cov = pd.read_csv(out / "coverage.csv")
    for f in (req, cov):
        f["date"] = f["interval_start"].str[:10]
    merged = cov.merge(req[["interval_start", "queue", "traffic_erl", "agents"]],
                       on=["interval_start", "queue"])
    for (q, d), g in merged.groupby(["queue", "date"]):
        r = staff[(q, d)]
        assert r["required_agent_hours"] == pytest.approx(g["agents"].sum() * 0.5)
        assert r["to_schedule_agent_hours"] == pytest.approx(g["required"].sum() * 0.5)
        assert r["scheduled_agent_hours"] == pytest.approx(g["scheduled"].sum() * 0.5)
        # Erlang C (no abandonment): occupancy = offered load / agents on the phones
        assert r["occupancy"] == pytest.approx(g["traffic_erl"].sum()
                                               / g["on_phone_agents"].sum())

    # each day's calls and intervals below target from coverage.csv / requirements.csv
    below = cov[cov["sim_below"]]
    for r in data["days"]:
        g = req[(req["queue"] == r["queue"]) & (req["date"] == r["date"])]
        assert r["calls"] == pytest.approx(g["offered"].sum())
        assert r["intervals_below"] == ((below["queue"] == r["queue"])
                                        & (below["date"] == r["date"])).sum()
    listed = {(r["interval_start"], r["queue"]) for r in data["intervals_below"]}
    assert listed == set(zip(below["interval_start"], below["queue"], strict=True))
    assert len(listed) == summary["sim_intervals_below"]

    # the visible table shows the same rows as the JSON, in plain words
    shown = re.search(r'<div id="days">(.*?)</div>', dom, re.S).group(1)
    assert shown.count("<tr") - 1 == len(data["days"])
    for r in data["days"]:
        assert f"{r['sim_service_level']:.1%}" in shown and r["status"] in shown
