"""The framework floor for the load test: a bare Flask app with one page of the app's typical size.

No database, no login, no session, no CSRF: routing, a Jinja template rendered on every request (a table of rows
with autoescaped Chinese text, like a list page), the WSGI response and gunicorn. Served with the same gunicorn
settings as the app (bench/load/run.py) and hit by the same number of locust users, it shows how many requests
per second Flask + Jinja + gunicorn manage on this machine for a page of that size; the app's figure divided by
this one is the share the app's own work (queries, scope checks, more template logic) leaves.

    FLOOR_BYTES=40000 .venv/bin/gunicorn -w 4 -k gthread --threads 4 -b 127.0.0.1:8766 --chdir bench/load floor:app
"""

import os

from flask import Flask, render_template_string
from markupsafe import Markup

TEMPLATE = """<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · 聊城市强企业攻坚目标企业管理系统</title></head>
<body>
<main class="container-fluid px-3 pb-5">
<h1 class="h4">{{ title }}</h1>
<table class="table table-sm">
<thead><tr><th>企业名称</th><th>目标县(市、区)</th><th>状态</th><th>攻坚团队</th><th class="text-end">计划总投资</th></tr></thead>
<tbody>
{% for row in rows %}
<tr><td><a href="/whitelist/{{ row.id }}">{{ row.name }}</a><div class="small text-muted">{{ row.code }}</div></td>
<td>{{ row.region }}</td><td><span class="badge text-bg-info">{{ row.state }}</span></td><td>{{ row.team }}</td>
<td class="text-end">{{ row.amount }} 万元</td></tr>
{% endfor %}
</tbody>
</table>
{{ padding }}
</main>
</body>
</html>
"""


def _rows(count: int) -> list[dict]:
    return [
        {"id": i, "name": f"聊城示例精密机械科技有限公司{i}", "code": f"91371500MA{i:08d}", "region": "东昌府区",
         "state": "对接中", "team": "东昌府区高端装备攻坚一队", "amount": 1000 + i * 37}
        for i in range(count)
    ]  # fmt: skip


def create_app(size: int) -> Flask:
    """The floor app; its page is `size` bytes (UTF-8) long: as many rows as fit, then a comment to fill up."""
    app = Flask(__name__)
    rows: list[dict] = []
    with app.app_context():
        render = lambda rows, padding="": render_template_string(TEMPLATE, title="目标企业白名单", rows=rows,  # noqa: E731
                                                                 padding=padding)  # fmt: skip
        while len(render(_rows(len(rows) + 1)).encode()) <= size:
            rows = _rows(len(rows) + 1)
        missing = size - len(render(rows).encode())
        padding = Markup(f"<!--{'.' * (missing - 7)}-->" if missing >= 7 else " " * missing)
    app.config["FLOOR_ROWS"], app.config["FLOOR_PADDING"] = rows, padding

    @app.route("/")
    def page():
        return render_template_string(TEMPLATE, title="目标企业白名单", rows=app.config["FLOOR_ROWS"],
                                      padding=app.config["FLOOR_PADDING"])  # fmt: skip

    return app


app = create_app(int(os.environ.get("FLOOR_BYTES", "40000")))
