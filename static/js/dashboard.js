// Manager dashboard charts, drawn with the vendored Apache ECharts (static/vendor/echarts).
// No inline scripts (the CSP forbids them): the data comes from
// <script type="application/json" id="dashboard-data">, and every user-visible text in it is
// already translated by the server. Charts go into <div class="chart" data-chart="funnel|weekly|region">.
(() => {
  "use strict";

  // Bootstrap 5 colours: primary, success, warning, danger, secondary (series take them in order).
  const PALETTE = ["#0d6efd", "#198754", "#ffc107", "#dc3545", "#6c757d"];
  const FONT_SIZE = 13; // readable on a tablet; never below 12
  const RESIZE_DELAY = 150;

  // Print buttons work even on a page without charts.
  document.addEventListener("click", (event) => {
    const button = event.target.closest('[data-action="print"]');
    if (button) {
      event.preventDefault();
      window.print();
    }
  });

  // Only same-origin links from the data island are followed (never javascript: or another site).
  function safeUrl(url) {
    if (typeof url !== "string" || url === "") return null;
    try {
      const parsed = new URL(url, window.location.href);
      return parsed.origin === window.location.origin ? parsed.href : null;
    } catch (error) {
      return null;
    }
  }

  function formatNumber(value) {
    if (value === null || value === undefined || value === "" || isNaN(Number(value))) return "-";
    return Number(value).toLocaleString("zh-CN", { maximumFractionDigits: 2 });
  }

  // Tooltips are built as DOM nodes (not HTML strings): no inline style attributes for the CSP
  // and no escaping worries. The looks live in app.css (.chart-tip).
  function element(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function tipRow(color, label, value) {
    const row = element("div", "chart-tip-row");
    const marker = element("span", "chart-tip-marker");
    if (color) marker.style.backgroundColor = color; // CSSOM, allowed by a strict CSP
    row.append(marker, element("span", "chart-tip-label", label), element("span", "chart-tip-value", value));
    return row;
  }

  function tip(title, rows) {
    const box = element("div", "chart-tip");
    box.append(element("div", "chart-tip-title", title), ...rows);
    return box;
  }

  // Default axis tooltip: the category, then one row per series.
  function axisTooltip(params) {
    const list = Array.isArray(params) ? params : [params];
    if (!list.length) return "";
    return tip(list[0].name, list.map((p) => tipRow(p.color, p.seriesName, formatNumber(p.value))));
  }

  function baseOption(settings) {
    return {
      animation: settings.animation,
      color: PALETTE,
      textStyle: { fontFamily: settings.fontFamily, fontSize: FONT_SIZE },
      tooltip: { trigger: "axis", confine: true, formatter: axisTooltip },
      grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
    };
  }

  function legend() {
    // ECharts 6 puts the legend at the bottom by default; the dashboard wants it on top.
    return { top: 0, left: "center", textStyle: { fontSize: FONT_SIZE } };
  }

  // A data item that remembers its link; the pointer cursor only where there is one.
  function item(value, url) {
    const link = safeUrl(url);
    return { value: value, url: link, cursor: link ? "pointer" : "default" };
  }

  function seriesItems(series) {
    const values = Array.isArray(series.data) ? series.data : [];
    const urls = Array.isArray(series.urls) ? series.urls : [];
    return values.map((value, i) => item(value, urls[i]));
  }

  function funnelOption(data, settings) {
    const stages = Array.isArray(data.funnel) ? data.funnel : [];
    const labels = data.funnel_labels || {};
    const option = baseOption(settings);
    option.tooltip.axisPointer = { type: "shadow" };
    option.tooltip.formatter = (params) => {
      const p = Array.isArray(params) ? params[0] : params;
      if (!p) return "";
      const rows = [tipRow(p.color, labels.count || "", formatNumber(p.value))];
      if (p.data && p.data.investment !== null && p.data.investment !== undefined) {
        rows.push(tipRow(null, labels.investment || "", formatNumber(p.data.investment)));
      }
      return tip(p.name, rows);
    };
    option.xAxis = { type: "value", minInterval: 1, axisLabel: { fontSize: FONT_SIZE } };
    // inverse: the first stage is drawn at the top.
    option.yAxis = {
      type: "category",
      inverse: true,
      data: stages.map((stage) => stage.name),
      axisLabel: { fontSize: FONT_SIZE },
      axisTick: { show: false },
    };
    option.series = [{
      type: "bar",
      name: labels.count || "",
      barMaxWidth: 36,
      itemStyle: { color: PALETTE[0], borderRadius: [0, 4, 4, 0] },
      label: { show: true, position: "right", fontSize: FONT_SIZE, formatter: (p) => formatNumber(p.value) },
      data: stages.map((stage) => Object.assign(item(stage.value, stage.url), { investment: stage.investment })),
    }];
    return option;
  }

  function weeklyOption(data, settings) {
    const weekly = data.weekly || {};
    const option = baseOption(settings);
    option.legend = legend();
    option.grid.top = 40;
    option.xAxis = {
      type: "category",
      boundaryGap: false,
      data: Array.isArray(weekly.labels) ? weekly.labels : [],
      axisLabel: { fontSize: FONT_SIZE, alignMinLabel: "left", alignMaxLabel: "right" },
    };
    option.yAxis = { type: "value", minInterval: 1, axisLabel: { fontSize: FONT_SIZE } };
    option.series = (Array.isArray(weekly.series) ? weekly.series : []).map((series) => ({
      type: "line",
      name: series.name,
      showSymbol: true,
      showAllSymbol: true,
      symbolSize: 8, // large enough to tap
      data: seriesItems(series),
    }));
    return option;
  }

  // Rotate the county names only when they do not fit side by side.
  function labelRotation(labels, width) {
    if (!labels.length || !width) return 0;
    const longest = Math.max.apply(null, labels.map((label) => String(label).length));
    const slot = (width * 0.85) / labels.length;
    if (longest * FONT_SIZE + 8 <= slot) return 0;
    return slot >= FONT_SIZE * 1.6 ? 45 : 90;
  }

  function regionOption(data, settings, width) {
    const region = data.region || {};
    const labels = Array.isArray(region.labels) ? region.labels : [];
    const option = baseOption(settings);
    option.legend = legend();
    option.grid.top = 40;
    option.tooltip.axisPointer = { type: "shadow" };
    option.xAxis = {
      type: "category",
      data: labels,
      axisLabel: { fontSize: FONT_SIZE, interval: 0, rotate: labelRotation(labels, width) },
    };
    option.yAxis = { type: "value", minInterval: 1, axisLabel: { fontSize: FONT_SIZE } };
    // No "stack": the bars of one county stand side by side.
    option.series = (Array.isArray(region.series) ? region.series : []).map((series) => ({
      type: "bar",
      name: series.name,
      barMaxWidth: 32,
      data: seriesItems(series),
    }));
    return option;
  }

  const BUILDERS = { funnel: funnelOption, weekly: weeklyOption, region: regionOption };

  function init() {
    const island = document.getElementById("dashboard-data");
    const echarts = window.echarts;
    if (!island || !echarts || typeof echarts.init !== "function") return;
    let data;
    try {
      data = JSON.parse(island.textContent);
    } catch (error) {
      return;
    }
    if (!data || typeof data !== "object") return;

    const settings = {
      renderer: data.renderer === "svg" ? "svg" : "canvas",
      animation: data.animation !== false,
      fontFamily: window.getComputedStyle(document.body).fontFamily || "sans-serif",
    };
    const charts = [];
    document.querySelectorAll(".chart[data-chart]").forEach((el) => {
      const kind = el.dataset.chart;
      const build = BUILDERS[kind];
      if (!build || !data[kind]) return;
      const chart = echarts.getInstanceByDom(el) || echarts.init(el, null, { renderer: settings.renderer });
      chart.setOption(build(data, settings, el.clientWidth), true);
      chart.on("click", (params) => {
        const url = params.data && params.data.url;
        if (url) window.location.href = url;
      });
      charts.push({ chart: chart, el: el, kind: kind });
    });
    if (!charts.length) return;

    function resizeAll() {
      charts.forEach((entry) => {
        if (entry.kind === "region") {
          const labels = (data.region && data.region.labels) || [];
          entry.chart.setOption({ xAxis: { axisLabel: { rotate: labelRotation(labels, entry.el.clientWidth) } } });
        }
        // No animation: a chart caught mid-animation would be printed half drawn.
        entry.chart.resize({ animation: { duration: 0 } });
      });
    }

    let timer = null;
    window.addEventListener("resize", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(resizeAll, RESIZE_DELAY);
    });
    // The print layout is narrower than the screen: resize at once, before the page is laid out.
    window.addEventListener("beforeprint", resizeAll);
    window.addEventListener("afterprint", resizeAll);
    if (window.matchMedia) {
      const print = window.matchMedia("print");
      if (print.addEventListener) print.addEventListener("change", resizeAll);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
