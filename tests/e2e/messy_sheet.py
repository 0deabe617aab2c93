"""A clerk's own list of about 300 well-known companies (public names of 央企, 500强 firms and high-growth firms),
written the way a county office writes it: credit codes in full-width characters, with hyphens, spaces or lower
case; the bureau's words for categories (中国500强, 民营500强, 链主企业 …) and counties (东昌府, 聊城市东昌府区, 临清,
高新区 …); the same company twice; short names of companies already on file; a group and its listed company, each
with its own code; rows for other counties in a county head's file.

The credit codes are fictional but check-valid (the real ones are not needed to test the import). `messy_rows`
returns the rows keyed by the import template's headers and `Planted`: the row numbers (as the spreadsheet counts,
the header being row 1) of each case the journey checks."""

import random
from dataclasses import dataclass, field

from crm.demo import fictional_uscc

# fmt: off
NAMES = """
国家电网有限公司 中国石油天然气集团有限公司 中国海洋石油集团有限公司 中国南方电网有限责任公司 中国华能集团有限公司
中国大唐集团有限公司 中国华电集团有限公司 国家电力投资集团有限公司 中国长江三峡集团有限公司 国家能源投资集团有限责任公司
中国电信集团有限公司 中国联合网络通信集团有限公司 中国移动通信集团有限公司 中国电子科技集团有限公司 中国第一汽车集团有限公司
东风汽车集团有限公司 中国一重集团有限公司 中国机械工业集团有限公司 哈尔滨电气集团有限公司 中国东方电气集团有限公司
鞍钢集团有限公司 中国宝武钢铁集团有限公司 中国铝业集团有限公司 中国远洋海运集团有限公司 中国航空油料集团有限公司
中国航空器材集团有限公司 中国中化控股有限责任公司 中粮集团有限公司 中国五矿集团有限公司 中国通用技术（集团）控股有限责任公司
中国建筑集团有限公司 中国储备粮管理集团有限公司 国家开发投资集团有限公司 招商局集团有限公司 华润（集团）有限公司
中国旅游集团有限公司 中国商用飞机有限责任公司 中国节能环保集团有限公司 中国国际工程咨询有限公司 中国诚通控股集团有限公司
中国煤炭科工集团有限公司 机械科学研究总院集团有限公司 中国中煤能源集团有限公司 中国钢研科技集团有限公司 中国化学工程集团有限公司
中国盐业集团有限公司 中国建材集团有限公司 中国有色矿业集团有限公司 中国稀土集团有限公司 有研科技集团有限公司
北京矿冶研究总院 中国国际技术智力合作集团有限公司 中国建设科技有限公司 中国冶金地质总局 中国铁路工程集团有限公司
中国铁道建筑集团有限公司 中国交通建设集团有限公司 中国信息通信科技集团有限公司 中国农业发展集团有限公司 中国林业集团有限公司
中国医药集团有限公司 中国保利集团有限公司 中国建设工程咨询有限公司 中国冶金科工集团有限公司 中国航空工业集团有限公司
中国航天科技集团有限公司 中国航天科工集团有限公司 中国船舶集团有限公司 中国兵器工业集团有限公司 中国兵器装备集团有限公司
中国核工业集团有限公司 中国电力建设集团有限公司 中国能源建设集团有限公司 中国安能建设集团有限公司 中国物流集团有限公司
中国电气装备集团有限公司 中国矿产资源集团有限公司 中国卫星网络集团有限公司 中国检验认证（集团）有限公司 中国广核集团有限公司
中国华录集团有限公司 南光（集团）有限公司 中国融通资产管理集团有限公司 新兴际华集团有限公司 中国绿发投资集团有限公司
阿里巴巴（中国）有限公司 北京京东世纪贸易有限公司 美团科技有限公司 小米科技有限责任公司 联想（北京）有限公司
浪潮集团有限公司 海尔集团公司 海信集团控股股份有限公司 青岛啤酒股份有限公司 潍柴控股集团有限公司
中国重型汽车集团有限公司 山东魏桥创业集团有限公司 山东钢铁集团有限公司 兖矿能源集团股份有限公司 山东能源集团有限公司
万华化学集团股份有限公司 山东黄金集团有限公司 南山集团有限公司 东营鲁方金属材料有限公司 山东东明石化集团有限公司
利华益集团股份有限公司 山东京博控股集团有限公司 晨鸣纸业集团股份有限公司 太阳纸业股份有限公司 山东高速集团有限公司
信发集团有限公司 时风集团有限责任公司 鲁西化工集团股份有限公司 中通客车股份有限公司 祥光铜业有限公司
泉林纸业有限责任公司 凤祥股份有限公司 东阿阿胶股份有限公司 金号家纺集团有限公司 山东华建铝业集团有限公司
江苏恒力集团有限公司 浙江荣盛控股集团有限公司 恒逸集团有限公司 盛虹控股集团有限公司 青山控股集团有限公司
正威国际集团有限公司 碧桂园控股有限公司 美的集团股份有限公司 海螺集团有限责任公司 三一集团有限公司
徐州工程机械集团有限公司 中联重科股份有限公司 广汽集团有限公司 上海汽车集团股份有限公司 北京汽车集团有限公司
长城汽车股份有限公司 吉利控股集团有限公司 奇瑞控股集团有限公司 江淮汽车集团有限公司 重庆长安汽车股份有限公司
隆基绿能科技股份有限公司 通威集团有限公司 天合光能股份有限公司 晶科能源股份有限公司 阳光电源股份有限公司
亿纬锂能股份有限公司 国轩高科股份有限公司 中创新航科技集团股份有限公司 蜂巢能源科技股份有限公司 欣旺达电子股份有限公司
京东方科技集团股份有限公司 TCL科技集团股份有限公司 立讯精密工业股份有限公司 歌尔股份有限公司 舜宇光学科技（集团）有限公司
中芯国际集成电路制造有限公司 长江存储科技有限责任公司 紫光集团有限公司 海康威视数字技术股份有限公司 浙江大华技术股份有限公司
科大讯飞股份有限公司 用友网络科技股份有限公司 金山软件有限公司 奇安信科技集团股份有限公司 深信服科技股份有限公司
迈瑞医疗国际股份有限公司 恒瑞医药股份有限公司 复星医药（集团）股份有限公司 石药集团有限公司 齐鲁制药有限公司
药明康德新药开发有限公司 华大基因股份有限公司 联影医疗科技股份有限公司 威高集团有限公司 步长制药股份有限公司
伊利实业集团股份有限公司 蒙牛乳业（集团）股份有限公司 新希望集团有限公司 温氏食品集团股份有限公司 牧原食品股份有限公司
双汇发展股份有限公司 海天味业股份有限公司 农夫山泉股份有限公司 贵州茅台酒股份有限公司 五粮液股份有限公司
顺丰控股股份有限公司 京东物流股份有限公司 中通快递股份有限公司 圆通速递股份有限公司 韵达控股股份有限公司
安踏体育用品集团有限公司 波司登股份有限公司 雅戈尔集团股份有限公司 申洲国际集团控股有限公司 魏桥纺织股份有限公司
福耀玻璃工业集团股份有限公司 北新建材股份有限公司 东方雨虹防水技术股份有限公司 海螺水泥股份有限公司 金隅集团股份有限公司
洛阳钼业集团股份有限公司 紫金矿业集团股份有限公司 江西铜业集团有限公司 铜陵有色金属集团控股有限公司 云南锡业集团有限责任公司
宏桥集团有限公司 河钢集团有限公司 沙钢集团有限公司 建龙重工集团有限公司 敬业集团有限公司
中伟新材料股份有限公司 容百科技股份有限公司 当升科技股份有限公司 天齐锂业股份有限公司 赣锋锂业集团股份有限公司
汇川技术股份有限公司 埃斯顿自动化股份有限公司 优必选科技股份有限公司 大疆创新科技有限公司 亿航智能设备有限公司
峰飞航空科技有限公司 沃飞长空科技有限公司 小鹏汇天科技有限公司 智元创新科技有限公司 银河通用机器人有限公司
月之暗面科技有限公司 智谱华章科技有限公司 百川智能科技有限公司 深度求索人工智能基础技术研究有限公司 商汤科技开发有限公司
旷视科技有限公司 云从科技集团股份有限公司 寒武纪科技股份有限公司 摩尔线程智能科技有限公司 壁仞科技有限公司
地平线机器人技术研发有限公司 小马智行科技有限公司 文远知行科技有限公司 蔚来汽车科技有限公司 理想汽车有限公司
零跑汽车有限公司 极氪智能科技有限公司 哪吒汽车有限公司 岚图汽车科技有限公司 阿维塔科技有限公司
元气森林饮料有限公司 喜茶餐饮管理有限公司 泡泡玛特文化创意有限公司 名创优品股份有限公司 希音电子商务有限公司
极兔速递有限公司 满帮集团有限公司 货拉拉科技有限公司 途虎养车有限公司 自如生活服务有限公司
蓝箭航天空间科技股份有限公司 星河动力航天科技有限公司 天兵科技有限公司 银河航天科技有限公司 长光卫星技术股份有限公司
清陶能源发展有限公司 卫蓝新能源科技有限公司 海辰储能科技有限公司 瑞浦兰钧能源股份有限公司 远景能源有限公司
明阳智慧能源集团股份有限公司 金风科技股份有限公司 运达风电股份有限公司 东方日升新能源股份有限公司 正泰集团股份有限公司
德力西集团有限公司 天能控股集团有限公司 超威集团有限公司 雅迪科技集团有限公司 爱玛科技集团股份有限公司
九号科技有限公司 追觅科技有限公司 石头世纪科技股份有限公司 科沃斯机器人股份有限公司 极米科技股份有限公司
凯赛生物产业有限公司 华恒生物科技股份有限公司 蓝晶微生物科技有限公司 微构工场生物技术有限公司 弈柯莱生物科技有限公司
""".split()  # noqa: SIM905  (a clerk's list, one name per word)
# fmt: on

INDUSTRIES = (
    "装备制造",
    "新能源",
    "汽车及零部件",
    "新一代信息技术",
    "有色金属",
    "绿色化工",
    "大健康",
    "生物制造",
)
CATEGORIES = ("中国500强", "民营500强", "制造业500强", "链主企业", "独角兽企业", "瞪羚企业", "专精特新小巨人",
              "世界500强、央企", "央企", "", "", "")  # fmt: skip
OWN_SPELLINGS = ("东昌府区", "东昌府", "聊城市东昌府区", "东昌府区", "聊城东昌府区")
OTHER_COUNTIES = ("临清", "高新区", "经开区", "茌平县", "聊城市阳谷县")

# Already on file when the clerk uploads (created by the journey's fixture): the full legal names behind the short
# names the sheet uses, and one enterprise the sheet names with its code typed full-width.
ON_FILE = {
    "tencent": "深圳市腾讯计算机系统有限公司",
    "gree": "珠海格力电器股份有限公司",
    "unitree": "杭州宇树科技有限公司",
    "byd": "比亚迪股份有限公司",
}
SINOPEC_GROUP, SINOPEC_LISTED = "中国石油化工集团有限公司", "中国石油化工股份有限公司"


@dataclass
class Planted:
    """Row numbers (header = row 1) of the cases the journey checks."""

    twice: dict[str, tuple[int, int]] = field(
        default_factory=dict
    )  # the repeat's name → (first row, its row)
    short_names: dict[str, int] = field(default_factory=dict)  # ON_FILE key → the row with its short name
    by_code: int = 0  # the row carrying 比亚迪's code typed full-width
    group: tuple[int, int] = (0, 0)  # (集团 row, 股份 row), each with its own valid code
    odd_codes: dict[int, str] = field(default_factory=dict)  # row → the code in its 18-character ASCII form
    other_counties: list[int] = field(default_factory=list)
    bad_region: int = 0  # the row whose county is misspelt in the first upload


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def messy_code(code: str, style: int) -> str:
    """The code as a clerk may have typed or pasted it."""
    return [
        code,
        full_width(code),  # typed with a Chinese input method
        f"{code[:8]}-{code[8:]}",  # split after the registration-authority and area part
        f" {code[:4]} {code[4:10]}\u3000{code[10:]}".lower(),  # spaces of two kinds, lower case
        f"\ufeff{code}\u200b",  # a BOM and a zero-width space from a pasted web page
    ][style]


def codes(n: int, seed: str, area: str = "371502") -> list[str]:
    rng, out = random.Random(seed), []
    while len(out) < n:
        code = fictional_uscc(rng, area)
        if code not in out:
            out.append(code)
    return out


def messy_rows(byd_code: str, bad_region: str | None = "东昌区") -> tuple[list[dict[str, str]], Planted]:
    """About 300 rows for a county head of 东昌府区, and where the planted cases are. `bad_region` is written in one
    row (None: the corrected file)."""
    planted = Planted()
    names = list(NAMES)
    all_codes = codes(len(names) + 10, "messy-300")
    rows: list[dict[str, str]] = []

    def add(name: str, code: str = "", region: str | None = None, style: int = 0, **extra: str) -> int:
        i = len(rows)
        row = {
            "企业名称": name,
            "统一社会信用代码": messy_code(code, style) if code else "",
            "所属产业": INDUSTRIES[i % len(INDUSTRIES)],
            "企业类别": CATEGORIES[i % len(CATEGORIES)],
            "目标县(市、区)": region or OWN_SPELLINGS[i % len(OWN_SPELLINGS)],
            "攻坚行动": "夺标争先" if i % 2 else "进位领跑",
            "计划总投资(万元)": str(20_000 + 1_000 * (i % 50)),
        }
        row.update(extra)
        rows.append(row)
        number = i + 2
        if code and style:
            planted.odd_codes[number] = code
        return number

    firsts: dict[str, int] = {}
    for i, name in enumerate(names):
        number = add(name, all_codes[i] if i % 6 else "", style=i % 5)
        if i == 1:
            firsts["中国石油天然气集团公司"] = number
        if i == 40:
            firsts["华为技术有限公司 "] = add("华为技术有限公司")
            firsts["宁德时代"] = add("宁德时代新能源科技股份有限公司")
            planted.group = (
                add(SINOPEC_GROUP, all_codes[-1], style=1),
                add(SINOPEC_LISTED, all_codes[-2], style=2),
            )
        if i == 120:
            for key, short in (("tencent", "腾讯"), ("gree", "格力电器"), ("unitree", "宇树科技")):
                planted.short_names[key] = add(short)
            planted.by_code = add("比亚迪股份有限公司", byd_code, style=1)
        if i % 12 == 7 and len(planted.other_counties) < 20:
            other = OTHER_COUNTIES[len(planted.other_counties) % len(OTHER_COUNTIES)]
            branch = name.removesuffix("有限公司").removesuffix("有限责任公司") + "聊城分公司"
            planted.other_counties.append(add(branch, region=other))
        if i == 200:  # the same companies again, as a second clerk's paste at the bottom of the sheet
            planted.twice = {again: (first, add(again)) for again, first in firsts.items()}
        if i == 230 and bad_region:
            rows[number - 2]["目标县(市、区)"] = bad_region
            planted.bad_region = number
    return rows, planted
