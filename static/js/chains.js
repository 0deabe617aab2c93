// The industry-chain diagram, drawn with the vendored Apache ECharts. No inline scripts (the CSP forbids them):
// the data comes from <script type="application/json" id="chain-data">, already translated by the server.
(() => {
  "use strict";

  const FONT_SIZE = 13;

  document.addEventListener("click", (event) => {
    const button = event.target.closest('[data-action="print"]');
    if (button) {
      event.preventDefault();
      window.print();
    }
  });

  function sameOrigin(url) {
    try {
      const parsed = new URL(url, window.location.href);
      return parsed.origin === window.location.origin ? parsed.href : null;
    } catch (error) {
      return null;
    }
  }

  const island = document.getElementById("chain-data");
  const box = document.querySelector('[data-chart="chain"]');
  if (!island || !box || typeof echarts === "undefined") return;
  const data = JSON.parse(island.textContent);
  const leaves = data.tree.children.reduce((n, link) => n + Math.max(link.children.length, 1), 0);
  box.style.height = `${Math.max(320, leaves * 28)}px`;
  const chart = echarts.init(box, null, { renderer: "svg" });
  chart.setOption({
    textStyle: { fontSize: FONT_SIZE },
    tooltip: {
      trigger: "item",
      formatter: (p) => (p.data && p.data.tooltip ? `${p.data.name}<br>${p.data.tooltip}` : p.name),
    },
    series: [{
      type: "tree",
      data: [data.tree],
      top: 16, bottom: 16, left: 170, right: 160,
      symbolSize: 12,
      initialTreeDepth: -1,
      expandAndCollapse: false,
      label: { position: "left", verticalAlign: "middle", align: "right", fontSize: FONT_SIZE },
      leaves: { label: { position: "right", verticalAlign: "middle", align: "left" } },
      lineStyle: { color: "#adb5bd" },
    }],
  });
  chart.on("click", (p) => {
    const url = p.data && sameOrigin(p.data.url);
    if (url) window.location.href = url;
  });
  window.addEventListener("resize", () => chart.resize());
})();
