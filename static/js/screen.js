// The hall's big screen: polls the city's figures (data-data-url) every data-refresh-seconds and draws them.
// When a poll fails (the system unreachable, the database down) the last figures stay on the screen and the
// header says since when they are shown. No inline scripts (the CSP forbids them); texts come translated from
// the <template id="words">.
(() => {
  "use strict";

  const body = document.body;
  const words = document.getElementById("words").dataset;
  const refreshMs = Number(body.dataset.refreshSeconds || 60) * 1000;
  const BLUE = "#4dabf7", TEXT = "#e8eefc", MUTED = "#a9b8d8", LINE = "#23345c";
  let lastGood = null; // when the figures on screen were computed ("as_of")
  let mapReady = false;
  const charts = {};

  function say(template, at) {
    return template.replace("{at}", at);
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init(document.getElementById(id), null, { renderer: "canvas" });
    return charts[id];
  }

  function drawGoals(goals) {
    const list = document.getElementById("goals");
    list.replaceChildren();
    for (const goal of goals) {
      const item = el("li", undefined, goal.met ? "met" : "");
      const figure = el("div", undefined, "figure");
      figure.append(el("span", goal.label), el("span", goal.actual, "actual"));
      const bar = el("div", undefined, "bar");
      const fill = el("span");
      fill.style.width = `${Math.max(0, Math.min(100, goal.percent || 0))}%`;
      bar.append(fill);
      item.append(figure, el("div", goal.target, "target"), bar);
      list.append(item);
    }
  }

  function drawRanking(id, rows) {
    const list = document.getElementById(id);
    list.replaceChildren();
    if (!rows.length) {
      list.append(el("li", words.quiet));
      return;
    }
    for (const row of rows) {
      const item = el("li", row.label);
      item.append(el("span", Number(row.index).toFixed(2)));
      list.append(item);
    }
  }

  function drawTicker(rows) {
    const list = document.getElementById("ticker");
    list.replaceChildren();
    if (!rows.length) {
      list.append(el("li", words.none));
      list.classList.add("still");
      return;
    }
    list.classList.remove("still");
    for (const p of rows) {
      const amount = p.amount ? ` ${Number(p.amount).toLocaleString("zh-CN")} 万元` : "";
      list.append(el("li", `${p.signed_on.slice(5)} ${p.county} · ${p.enterprise} · ${p.name}${amount}`));
    }
  }

  function drawFunnel(stages) {
    chart("funnel").setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", axisLabel: { color: MUTED }, splitLine: { lineStyle: { color: LINE } } },
      yAxis: { type: "category", inverse: true, data: stages.map((s) => s.label), axisLabel: { color: TEXT, fontSize: 14 } },
      series: [{ type: "bar", data: stages.map((s) => s.count), itemStyle: { color: BLUE },
                 label: { show: true, position: "right", color: TEXT } }],
    });
  }

  function drawMap(regions) {
    if (!mapReady) return;
    const counties = regions.filter((r) => r.kind === "county");
    const zones = regions.filter((r) => r.kind === "zone" && r.coord);
    const most = Math.max(1, ...counties.map((r) => r.funds));
    chart("map").setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: (p) => (p.data ? `${p.name}<br>${words.funds}: ${p.data.value}<br>${words.signed}: ${p.data.signed}` : p.name) },
      visualMap: { min: 0, max: most, orient: "horizontal", left: "center", bottom: 0, calculable: false,
                   inRange: { color: ["#1c3d6e", "#4dabf7"] }, textStyle: { color: MUTED } },
      geo: { map: "liaocheng", roam: false, layoutCenter: ["50%", "48%"], layoutSize: "118%", itemStyle: { borderColor: "#8fb3e8", areaColor: "#1c2b4a" },
             label: { show: true, color: TEXT, fontSize: 14 } },
      series: [
        { type: "map", geoIndex: 0, data: counties.map((r) => ({ name: r.name, value: r.funds, signed: r.signed })) },
        { type: "effectScatter", coordinateSystem: "geo", symbolSize: 12, itemStyle: { color: "#fcc419" },
          label: { show: true, formatter: "{b}", position: "right", color: TEXT, fontSize: 12 },
          data: zones.map((r) => ({ name: r.name, value: [...r.coord, r.funds], signed: r.signed })) },
      ],
    });
  }

  function draw(data) {
    lastGood = data.as_of;
    document.getElementById("as-of").textContent = say(words.asOf, data.as_of);
    document.getElementById("stale").hidden = true;
    document.getElementById("ranking-week").textContent = `${data.ranking_week.start} — ${data.ranking_week.end}`;
    drawGoals(data.goals);
    drawRanking("county-ranking", data.county_ranking);
    drawRanking("team-ranking", data.team_ranking);
    drawTicker(data.ticker);
    drawFunnel(data.funnel);
    drawMap(data.regions);
    body.dataset.loaded = "1";
  }

  function stale() {
    const note = document.getElementById("stale");
    if (lastGood) {
      note.textContent = say(words.stale, lastGood);
      note.hidden = false;
    }
    body.dataset.stale = "1";
  }

  let latest = null;
  async function poll() {
    try {
      const response = await fetch(body.dataset.dataUrl, { cache: "no-store", credentials: "omit" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      latest = await response.json();
      body.dataset.stale = "";
      draw(latest);
    } catch (error) {
      stale();
    } finally {
      window.setTimeout(poll, refreshMs);
    }
  }

  fetch(body.dataset.geoUrl)
    .then((response) => response.json())
    .then((geo) => {
      echarts.registerMap("liaocheng", geo);
      mapReady = true;
      if (latest) drawMap(latest.regions);
    })
    .catch(() => {});
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
  poll();
})();
