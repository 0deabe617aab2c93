"""The import's columns: the template's Chinese headers, the names other spreadsheets use for them, and the
automatic mapping of a file's headers onto them."""

import re
import unicodedata
from dataclasses import dataclass

from crm.parsing import one_line, plain_lines
from crm.xlsx import Sheet


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as in the template
    synonyms: tuple[str, ...] = ()
    required: bool = False  # for every import
    for_proposals: bool = False  # required when the rows are also proposed for the whitelist
    example: str = ""
    multiline: bool = False  # notes and summaries keep their line breaks; every other cell is one line


def cell_text(column: "Column | None", raw: str) -> str:
    """A cell's text as it is checked and stored: one line (crm.parsing.one_line) unless the column holds notes."""
    return (plain_lines(raw) if column is not None and column.multiline else one_line(raw)).strip()


COLUMNS = (
    Column("name", "企业名称", ("名称", "公司名称", "企业", "单位名称", "企业全称"), required=True,
           example="聊城示例精密机械有限公司"),
    Column("uscc", "统一社会信用代码", ("信用代码", "社会信用代码", "uscc", "统一代码"), example="91371500MA3C8X2Y4M"),
    Column("name_en", "英文名称", ("英文名",)),
    Column("hq", "总部所在地", ("总部", "总部地址", "注册地")),
    Column("parent", "所属集团", ("集团", "母公司", "集团名称")),
    Column("industry", "所属产业", ("产业", "行业", "产业方向", "项目所属产业"), example="装备制造"),
    Column("categories", "企业类别", ("类别", "企业类型", "标签"), example="世界500强、央企"),
    Column("website", "网站", ("网址", "官网")),
    Column("notes", "备注", ("说明",), multiline=True),
    Column("region", "目标县(市、区)", ("县市区", "目标县区", "县(市、区)", "所在县区", "目标县", "县区", "区县"),
           for_proposals=True, example="东昌府区"),
    Column("campaign", "攻坚行动", ("行动",), example="强企业“夺标争先”行动"),
    Column("mode", "招商方式", ("方式",), example="并购招商"),
    Column("planned_investment", "计划总投资(万元)", ("计划总投资", "总投资(万元)", "总投资", "投资额(万元)"),
           example="50000"),
    Column("summary", "项目概况", ("项目简介", "概况"), multiline=True),
    Column("priority", "优先级", ("级别",), example="一级(重点)"),
)  # fmt: skip
BY_KEY = {c.key: c for c in COLUMNS}

# 项目台账: one row per project of a target already on the whitelist (crm.imports.ledger).
PROJECT_COLUMNS = (
    Column("enterprise", "企业名称", ("名称", "公司名称", "企业", "单位名称", "企业全称", "签约企业", "投资方", "投资主体"),
           example="聊城示例精密机械有限公司"),
    Column("uscc", "统一社会信用代码", ("信用代码", "社会信用代码", "uscc", "统一代码"), example="91371500MA3C8X2Y4M"),
    Column("county", "提报县区", ("提报县(市、区)", "目标县(市、区)", "县(市、区)", "县市区", "县区", "区县", "提报单位"),
           example="东昌府区"),
    Column("project", "项目名称", ("项目", "项目全称", "签约项目", "签约项目名称"), required=True,
           example="年产10万套精密轴承项目"),
    Column("region", "落地县区/功能区", ("落地县区", "落地县(市、区)", "落地县(市、区)/功能区", "落地区域", "落地功能区",
                                   "项目落地地", "落地地点", "落地县市区"), example="聊城高新技术产业开发区"),
    Column("agreement", "协议类型", ("协议", "签约类型", "签约形式", "合同类型"), required=True, example="投资协议"),
    Column("signed_on", "签约日期", ("签约时间", "签订日期", "签约日"), required=True, example="2026-11-03"),
    Column("contract_amount", "签约金额(万元)", ("签约金额", "合同金额(万元)", "合同金额", "协议金额(万元)", "协议金额",
                                          "签约额(万元)"), required=True, example="1.5亿"),
    Column("planned_investment", "计划总投资(万元)", ("计划总投资", "总投资(万元)", "总投资", "投资额(万元)", "项目总投资"),
           example="30000"),
    Column("industry", "行业", ("所属行业", "所属产业", "产业", "产业方向", "项目所属产业"), example="装备制造"),
    Column("campaign", "攻坚行动", ("行动",), example="夺标争先"),
    Column("mode", "招商方式", ("方式",), example="并购招商"),
)  # fmt: skip

# 月度到位资金: one row per project and month (crm.imports.ledger).
ARRIVAL_COLUMNS = (
    Column("project", "项目名称", ("项目", "项目全称", "签约项目"), required=True, example="年产10万套精密轴承项目"),
    Column("enterprise", "企业名称", ("名称", "公司名称", "企业", "单位名称", "企业全称", "签约企业"),
           example="聊城示例精密机械有限公司"),
    Column("month", "月份", ("到位月份", "所属月份", "报告月份", "年月", "月度"), required=True, example="2026-11"),
    Column("fixed", "固定资产投资(万元)", ("固定资产投资", "固投(万元)", "固投", "固定资产投资到位资金(万元)"),
           example="5000"),
    Column("other", "其他(万元)", ("其他", "其他资金(万元)", "其他资金", "其他到位资金(万元)"), example="0"),
    Column("out_of_province", "是否省外资金", ("省外资金", "是否省外", "省外"), example="是"),
    Column("source_province", "资金来源省份", ("来源省份", "资金来源地", "来源地", "省份"), example="江苏省"),
    Column("note", "备注", ("说明",)),
)  # fmt: skip
# 产业链图谱: one row per node of a chain (crm.imports.chain_rows).
CHAIN_MAP_COLUMNS = (
    Column("chain", "产业链", ("产业链名称", "链条", "重点产业链"), required=True, example="新能源汽车及零部件"),
    Column("link", "环节", ("产业链环节", "链条环节", "上中下游", "环节名称"), required=True, example="中游"),
    Column("node", "节点", ("节点名称", "产品", "产品/技术", "关键产品", "细分领域"), required=True,
           example="动力电池"),
    Column("industry", "所属产业", ("产业", "行业", "所属行业", "产业方向"), example="新能源"),
    Column("description", "节点说明", ("说明", "备注", "描述"), multiline=True),
)  # fmt: skip

# 本地企业名单: one row per local firm on a node (crm.imports.chain_rows).
CHAIN_FIRM_COLUMNS = (
    Column("chain", "产业链", ("产业链名称", "链条", "重点产业链"), required=True, example="新能源汽车及零部件"),
    Column("node", "节点", ("节点名称", "产品", "产品/技术", "关键产品", "细分领域"), required=True,
           example="动力电池"),
    Column("enterprise", "企业名称", ("名称", "公司名称", "企业", "单位名称", "企业全称"), example="聊城示例电池有限公司"),
    Column("uscc", "统一社会信用代码", ("信用代码", "社会信用代码", "uscc", "统一代码"), example="91371500MA3C8X2Y4M"),
    Column("county", "所在县区", ("县(市、区)", "所在县(市、区)", "县市区", "县区", "区县", "所在地"), required=True,
           example="东昌府区"),
    Column("role", "链上角色", ("角色", "企业角色", "类型", "链主/骨干/配套"), example="链主"),
)  # fmt: skip
KIND_COLUMNS = {"enterprises": COLUMNS, "proposals": COLUMNS, "projects": PROJECT_COLUMNS,
                "arrivals": ARRIVAL_COLUMNS, "chain_map": CHAIN_MAP_COLUMNS,
                "chain_firms": CHAIN_FIRM_COLUMNS}  # fmt: skip


def columns_for(kind: str) -> tuple[Column, ...]:
    return KIND_COLUMNS.get(kind, COLUMNS)


def _plain(header: str) -> str:
    """Headers compared without width, spaces, asterisks or bracket style: '计划总投资（万元）*' = '计划总投资(万元)'."""
    text = unicodedata.normalize("NFKC", header or "").lower()
    return re.sub(r"[\s*＊:：]", "", text)


def auto_mapping(headers: list[str], columns: tuple[Column, ...] = COLUMNS) -> dict[str, int | None]:
    """Column key → index of the file's column holding it (None when no header matches)."""
    plain = [_plain(h) for h in headers]
    mapping: dict[str, int | None] = {}
    taken: set[int] = set()
    for column in columns:
        names = [_plain(column.header), *(_plain(s) for s in column.synonyms)]
        found = next((i for name in names for i, h in enumerate(plain) if h == name and i not in taken), None)
        mapping[column.key] = found
        if found is not None:
            taken.add(found)
    return mapping


def template_sheets(kind: str = "proposals") -> list[Sheet]:
    if kind in LEDGER_SHEETS:
        return _ledger_sheets(kind)
    headers = [c.header + ("*" if c.required else "") for c in COLUMNS]
    notes = [
        ("企业名称", "必填；与已有企业的统一社会信用代码相同时更新该企业，名称相近时标记为疑似重复。"),
        ("统一社会信用代码", "18 位；外资企业无中国主体时可空。"),
        ("所属集团", "填写系统中已有的集团企业名称。"),
        ("所属产业", "填写产业目录中的名称，例如“装备制造”“新能源”。"),
        ("企业类别", "多个类别用顿号、逗号或分号分隔，例如“世界500强、央企”。"),
        ("目标县(市、区)", "导入并提报入库时必填，例如“东昌府区”。"),
        ("攻坚行动 / 招商方式", "填写名称，例如“强企业“夺标争先”行动”“并购招商”。"),
        ("计划总投资(万元)", "整数，单位万元。"),
        ("优先级", "一级(重点)、二级或三级，也可填 1、2、3。"),
    ]
    return [
        Sheet(
            "目标企业", headers, [[c.example for c in COLUMNS]], [max(12, len(h) * 2 + 4) for h in headers]
        ),
        Sheet("填写说明", ["列", "说明"], notes, [22, 80]),
    ]


PROJECT_NOTES = [
    ("企业名称 / 统一社会信用代码", "至少填一项，用于找到白名单中已有的目标企业（须在洽谈中或之后的阶段）。"),
    ("提报县区", "企业在多个县区的白名单中时必填，例如“东昌府区”。"),
    ("项目名称*", "同一目标企业下项目名称相同（忽略空格、括号和末尾的“项目”）时标记为疑似重复。"),
    ("落地县区/功能区", "项目落地的县区或功能区，可写“高新区”“经开区”“东昌府”等简称；空着时为提报县区。"),
    ("协议类型*", "框架协议、投资协议、正式合同或补充协议。"),
    ("签约日期*", "例如 2026-11-03、2026/11/3 或 2026年11月3日，不能晚于今天。"),
    ("签约金额(万元)* / 计划总投资(万元)", "单位万元，可写 15000、15,000 或 1.5亿；小数四舍五入到万元。"),
    ("行业 / 攻坚行动 / 招商方式", "填写名称，空着时沿用目标企业的。"),
]
ARRIVAL_NOTES = [
    ("项目名称*", "系统中已有的项目名称；不同企业有同名项目时再填企业名称。"),
    ("月份*", "例如 2026-11、2026/11、2026年11月或 202611，不能晚于本月。"),
    ("固定资产投资(万元) / 其他(万元)", "单位万元，可写 5000、5,000 或 0.5亿；两项合计须大于 0。"),
    ("是否省外资金 / 资金来源省份", "填“是”或“否”；省外资金须填来源省份，例如“江苏省”。"),
    ("备注", "最多 200 字。"),
    ("说明", "每行记入项目落地县区该月的到位资金月报（草稿）；该月月报已上报或已核实时不能导入。"),
]


CHAIN_MAP_NOTES = [
    (
        "产业链* / 环节* / 节点*",
        "每行一个节点；系统中没有的产业链和环节随第一个节点新建，已有的节点跳过。名称最多 64 字。",
    ),
    ("环节", "上游、中游、下游，或产业链自己的分段名称。"),
    ("所属产业", "填写产业目录中的细分产业名称，例如“新能源”“装备制造”。"),
    ("说明", "只有产业链的管理人员（市局）和系统管理员可以导入。"),
]
CHAIN_FIRM_NOTES = [
    ("产业链* / 节点*", "系统中已有的产业链和节点（先导入产业链图谱）。"),
    ("企业名称 / 统一社会信用代码", "至少填一项；企业库中没有的企业作为“本地企业”新建。"),
    ("所在县区*", "企业所在的县区或功能区，例如“东昌府区”“高新区”。"),
    ("链上角色", "链主、骨干或配套；空着时为配套。"),
]
LEDGER_SHEETS = {
    "projects": ("项目台账", PROJECT_NOTES),
    "arrivals": ("月度到位资金", ARRIVAL_NOTES),
    "chain_map": ("产业链图谱", CHAIN_MAP_NOTES),
    "chain_firms": ("本地企业名单", CHAIN_FIRM_NOTES),
}


def _ledger_sheets(kind: str) -> list[Sheet]:
    columns = columns_for(kind)
    headers = [c.header + ("*" if c.required else "") for c in columns]
    title, notes = LEDGER_SHEETS[kind]
    return [
        Sheet(title, headers, [[c.example for c in columns]], [max(12, len(h) * 2 + 4) for h in headers]),
        Sheet("填写说明", ["列", "说明"], notes, [30, 80]),
    ]
