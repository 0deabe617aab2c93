"""The import's columns: the template's Chinese headers, the names other spreadsheets use for them, and the
automatic mapping of a file's headers onto them."""

import re
import unicodedata
from dataclasses import dataclass

from crm.xlsx import Sheet


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as in the template
    synonyms: tuple[str, ...] = ()
    required: bool = False  # for every import
    for_proposals: bool = False  # required when the rows are also proposed for the whitelist
    example: str = ""


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
    Column("notes", "备注", ("说明",)),
    Column("region", "目标县(市、区)", ("县市区", "目标县区", "县(市、区)", "所在县区", "目标县", "县区", "区县"),
           for_proposals=True, example="东昌府区"),
    Column("campaign", "攻坚行动", ("行动",), example="强企业“夺标争先”行动"),
    Column("mode", "招商方式", ("方式",), example="并购招商"),
    Column("planned_investment", "计划总投资(万元)", ("计划总投资", "总投资(万元)", "总投资", "投资额(万元)"),
           example="50000"),
    Column("summary", "项目概况", ("项目简介", "概况")),
    Column("priority", "优先级", ("级别",), example="一级(重点)"),
)  # fmt: skip
BY_KEY = {c.key: c for c in COLUMNS}


def _plain(header: str) -> str:
    """Headers compared without width, spaces, asterisks or bracket style: '计划总投资（万元）*' = '计划总投资(万元)'."""
    text = unicodedata.normalize("NFKC", header or "").lower()
    return re.sub(r"[\s*＊:：]", "", text)


def auto_mapping(headers: list[str]) -> dict[str, int | None]:
    """Column key → index of the file's column holding it (None when no header matches)."""
    plain = [_plain(h) for h in headers]
    mapping: dict[str, int | None] = {}
    taken: set[int] = set()
    for column in COLUMNS:
        names = [_plain(column.header), *(_plain(s) for s in column.synonyms)]
        mapping[column.key] = next(
            (i for name in names for i, h in enumerate(plain) if h == name and i not in taken), None
        )
        if mapping[column.key] is not None:
            taken.add(mapping[column.key])
    return mapping


def template_sheets() -> list[Sheet]:
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
