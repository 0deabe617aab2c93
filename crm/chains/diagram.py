"""The chain diagram's data for ECharts (a tree: chain → links → nodes, each node coloured by its status). Every
text in it is translated here; static/js/chains.js only draws it."""

from flask import url_for
from flask_babel import gettext as _

from crm.chains.gaps import COVERED, GAP, TARGETED, ChainGaps

COLOURS = {GAP: "#dc3545", TARGETED: "#ffc107", COVERED: "#198754"}


def status_labels() -> dict[str, str]:
    return {GAP: _("gap"), TARGETED: _("targets in progress"), COVERED: _("covered")}


def chart_data(analysis: ChainGaps) -> dict:
    labels = status_labels()
    links: dict[int, dict] = {}
    for row in analysis.rows:
        link = links.setdefault(row.node.link_id, {"name": row.node.link.name, "children": []})
        f = row.figures
        link["children"].append({
            "name": row.node.name,
            "url": url_for("chains.node", node_id=row.node.id),
            "status": labels[row.status],
            "tooltip": _("%(status)s · %(firms)d local firms · %(targets)d targets · %(projects)d projects",
                         status=labels[row.status], firms=f.firms, targets=f.targets, projects=f.projects),
            "itemStyle": {"color": COLOURS[row.status], "borderColor": COLOURS[row.status]},
        })  # fmt: skip
    for link in analysis.chain.links:  # links without nodes still show
        links.setdefault(link.id, {"name": link.name, "children": []})
    ordered = [links[link.id] for link in analysis.chain.links if link.id in links]
    return {
        "tree": {"name": analysis.chain.name, "children": ordered},
        "legend": [{"name": labels[s], "status": s} for s in (GAP, TARGETED, COVERED)],
    }
