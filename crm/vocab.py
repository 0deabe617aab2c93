"""The glossary: codes used in the database and code, and the Chinese words users see.

Domain terms (roles, pipeline states, campaigns, modes) have no good English equivalent for the bureau's users, so
their Chinese labels live here, in one place, rather than in the translation catalog.
"""

from enum import StrEnum


class Role(StrEnum):
    MEMBER = "member"
    LEAD = "lead"
    COUNTY_HEAD = "county_head"
    MANAGER = "manager"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.MEMBER: "攻坚队员",
    Role.LEAD: "攻坚团队负责人",
    Role.COUNTY_HEAD: "县(市、区)负责人",
    Role.MANAGER: "市招商局领导",
    Role.ADMIN: "系统管理员",
}


class State(StrEnum):
    PROPOSED = "proposed"
    RETURNED = "returned"
    WHITELISTED = "whitelisted"
    ASSIGNED = "assigned"
    CONTACTING = "contacting"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    LANDED = "landed"
    STARTED = "started"
    PRODUCING = "producing"
    PAUSED = "paused"
    DROPPED = "dropped"


STATE_LABELS: dict[str, str] = {
    State.PROPOSED: "拟入库",
    State.RETURNED: "已退回",
    State.WHITELISTED: "已入库",
    State.ASSIGNED: "已组队",
    State.CONTACTING: "对接中",
    State.NEGOTIATING: "洽谈中",
    State.SIGNED: "已签约",
    State.LANDED: "已落地",
    State.STARTED: "已开工",
    State.PRODUCING: "已投产",
    State.PAUSED: "暂缓",
    State.DROPPED: "终止/出库",
}

# Bootstrap colour per state, for badges.
STATE_COLOURS = {
    State.PROPOSED: "warning",
    State.RETURNED: "secondary",
    State.WHITELISTED: "primary",
    State.ASSIGNED: "info",
    State.CONTACTING: "info",
    State.NEGOTIATING: "info",
    State.SIGNED: "success",
    State.LANDED: "success",
    State.STARTED: "success",
    State.PRODUCING: "success",
    State.PAUSED: "dark",
    State.DROPPED: "danger",
}

# The pipeline after approval, in order.
PIPELINE = (
    State.WHITELISTED,
    State.ASSIGNED,
    State.CONTACTING,
    State.NEGOTIATING,
    State.SIGNED,
    State.LANDED,
    State.STARTED,
    State.PRODUCING,
)
# States in which an entry holds its enterprise for its county (used by the conflict check).
# A returned proposal still holds its claim: it is being revised, not given up.
HOLDING_STATES = (State.PROPOSED, State.RETURNED, *PIPELINE, State.PAUSED)
# Targets a team is actively working (counted against its capacity).
WORKING_STATES = (
    State.ASSIGNED,
    State.CONTACTING,
    State.NEGOTIATING,
    State.SIGNED,
    State.LANDED,
    State.STARTED,
)
# States in which an entry has a team and can be handed to another.
TEAM_STATES = (*PIPELINE[1:], State.PAUSED)
# States that can be paused or dropped.
ACTIVE_STATES = (State.PROPOSED, State.RETURNED, *PIPELINE)


class ReviewStage(StrEnum):
    COUNTY = "county"
    CITY = "city"


REVIEW_STAGE_LABELS = {ReviewStage.COUNTY: "待县级审核", ReviewStage.CITY: "待市级审核"}


class ApprovalChain(StrEnum):
    COUNTY_THEN_CITY = "county_then_city"
    CITY_ONLY = "city_only"


APPROVAL_CHAIN_LABELS = {
    ApprovalChain.COUNTY_THEN_CITY: "县级负责人审核后由市招商局确认",
    ApprovalChain.CITY_ONLY: "由市招商局直接审核",
}

# 四大攻坚行动
CAMPAIGNS = {
    "jueshan": "招大引强招新引优“决战决胜”行动",
    "jinwei": "新质生产力项目“进位领跑”行动",
    "duobiao": "强企业“夺标争先”行动",
    "jingjinji": "京津冀产业承接“深度融合”行动",
}

# 六大创新模式 (招商方式)
MODES = {
    "origin": "策源招商",
    "mna": "并购招商",
    "scenario": "场景招商",
    "capital": "资本招商",
    "tech": "科技招商",
    "market": "市场化招商",
}

PRIORITIES = {1: "一级(重点)", 2: "二级", 3: "三级"}


class Action(StrEnum):
    """What an event on the trail records."""

    PROPOSE = "propose"
    APPROVE = "approve"
    APPROVE_COUNTY = "approve_county"
    RETURN = "return"
    RESUBMIT = "resubmit"
    EDIT = "edit"
    PAUSE = "pause"
    RESUME = "resume"
    DROP = "drop"
    CONFLICT = "conflict"
    ENTERPRISE_CREATE = "enterprise_create"
    ENTERPRISE_EDIT = "enterprise_edit"
    CONTACT_ADD = "contact_add"
    STAGE = "stage"
    ASSIGN = "assign"
    REASSIGN = "reassign"
    CONFLICT_RESOLVED = "conflict_resolved"
    CONTACT_LOG = "contact_log"
    PLAN = "plan"
    FUNDS = "funds"
    ESCALATION_ACK = "escalation_ack"
    ESCALATION_CLOSE = "escalation_close"  # its task done before anyone acknowledged it
    MERGE = "merge"
    PROJECT_ADD = "project_add"
    PROJECT_EDIT = "project_edit"
    PROJECT_STAGE = "project_stage"
    PROJECT_TERMINATE = "project_terminate"
    INSTRUCTION = "instruction"
    INSTRUCTION_ACK = "instruction_ack"
    INSTRUCTION_REPORT = "instruction_report"
    INSTRUCTION_CLOSE = "instruction_close"
    INSTRUCTION_RETURN = "instruction_return"


ACTION_LABELS = {
    Action.PROPOSE: "提报入库",
    Action.APPROVE: "审核通过",
    Action.APPROVE_COUNTY: "县级审核通过，待市级确认",
    Action.RETURN: "退回修改",
    Action.RESUBMIT: "修改后重新提报",
    Action.EDIT: "修改白名单信息",
    Action.PAUSE: "暂缓",
    Action.RESUME: "恢复推进",
    Action.DROP: "终止/出库",
    Action.CONFLICT: "标记跨县冲突",
    Action.ENTERPRISE_CREATE: "新建企业档案",
    Action.ENTERPRISE_EDIT: "修改企业档案",
    Action.CONTACT_ADD: "新增联系人",
    Action.STAGE: "推进阶段",
    Action.ASSIGN: "分配攻坚团队",
    Action.REASSIGN: "调整攻坚团队/负责人",
    Action.CONFLICT_RESOLVED: "跨县冲突裁定",
    Action.CONTACT_LOG: "对接记录",
    Action.PLAN: "调整对接计划",
    Action.FUNDS: "登记到位资金",
    Action.ESCALATION_ACK: "签收督办",
    Action.ESCALATION_CLOSE: "督办关闭",
    Action.MERGE: "合并重复企业",
    Action.PROJECT_ADD: "新增签约项目",
    Action.PROJECT_EDIT: "修改项目信息",
    Action.PROJECT_STAGE: "项目推进",
    Action.PROJECT_TERMINATE: "项目终止",
    Action.INSTRUCTION: "领导批示",
    Action.INSTRUCTION_ACK: "签收领导批示",
    Action.INSTRUCTION_REPORT: "反馈批示办理情况",
    Action.INSTRUCTION_CLOSE: "领导批示销号",
    Action.INSTRUCTION_RETURN: "退回批示办理情况",
}

REGION_KINDS = {"county": "县(市、区)", "zone": "功能区"}

TAG_GROUPS = {
    "top500": "四类500强",
    "soe": "央企",
    "multinational": "跨国公司",
    "leader": "行业领军/链主",
    "growth": "高成长性企业",
    "other500": "其他500强榜单",
    "other": "其他",
}

# Field names as the event trail shows them.
FIELD_LABELS = {
    "name": "企业名称",
    "name_en": "英文名称",
    "uscc": "统一社会信用代码",
    "hq": "总部所在地",
    "parent": "所属集团",
    "industry": "所属产业",
    "website": "网站",
    "notes": "备注",
    "categories": "企业类别",
    "region": "目标县(市、区)",
    "campaign": "攻坚行动",
    "mode": "招商方式",
    "planned_investment": "计划总投资(万元)",
    "summary": "项目概况",
    "priority": "优先级",
    "chain_node": "产业链节点",
}

# Contact and visit types (对接方式) for the contact log.
CONTACT_KINDS = {
    "phone": "电话",
    "video": "视频",
    "visit": "上门拜访",
    "inbound": "来聊考察",
    "fair": "洽谈会",
    "signing": "签约仪式",
    "other": "其他",
}
# Face-to-face contact: what moving to 洽谈中 needs as evidence.
MEETING_KINDS = ("visit", "inbound", "fair", "signing")
# What completes a plan step: any contact, or one of the kinds above.
EVIDENCE_LABELS = {"any": "任意一次对接记录", **{k: f"{v}记录" for k, v in CONTACT_KINDS.items()}}
TASK_KINDS = {"step": "计划节点", "followup": "跟进事项", "project": "项目节点", "instruction": "领导批示"}
TASK_STATUS = {"open": "待办", "done": "已完成", "cancelled": "已取消"}
STEP_OWNER_ROLES = {"owner": "主要负责人", "lead": "团队负责人"}
LIGHTS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}

# 领导批示 (crm/instructions): a leader's instruction on a target, and where it stands.
INSTRUCTION_KINDS = {"action": "批办", "guidance": "指导", "reference": "参阅"}
INSTRUCTION_STATUS = {
    "pending": "待签收",
    "in_progress": "办理中",
    "acknowledged": "已签收",
    "reported": "已反馈，待销号",
    "closed": "已销号",
}
INSTRUCTION_COLOURS = {"pending": "danger", "in_progress": "warning", "acknowledged": "info", "reported": "primary",
                       "closed": "success"}  # fmt: skip
INSTRUCTION_STEPS = {"issue": "下达批示", "acknowledge": "签收", "report": "反馈办理情况", "close": "销号",
                     "return": "退回"}  # fmt: skip

SEVERITY_LABELS = {"blue": "蓝色督办", "yellow": "黄色督办", "red": "红色督办"}
# A 督办's level as a colour word (蓝色) and as its name (蓝色督办); never the stored English code in what users see.
SEVERITY_WORDS = {"blue": "蓝色", "yellow": "黄色", "red": "红色"}
SEVERITY_LABELS = {code: f"{word}督办" for code, word in SEVERITY_WORDS.items()}
SEVERITY_COLOURS = {"blue": "primary", "yellow": "warning", "red": "danger"}
OUTBOX_STATUS = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败"}
CHANNEL_LABELS = {"inbox": "站内消息", "email": "电子邮件", "webhook": "群机器人"}
JOB_LABELS = {
    "scan": "扫描提醒",
    "deliver": "发送消息",
    "reclaim": "回收滞留消息",
    "digest": "每日汇总",
    "standing": "核对项目到位资金",
    "figures": "计算看板数据",
}

# Projects (招商项目): their lifecycle after signing, and the agreement that was signed.
PROJECT_STATES = {
    "signed": "已签约",
    "landed": "已注册落地",
    "started": "已开工",
    "producing": "已投产",
    "terminated": "已终止",
}
PROJECT_PIPELINE = ("signed", "landed", "started", "producing")
PROJECT_COLOURS = {"signed": "success", "landed": "success", "started": "success", "producing": "success",
                   "terminated": "danger"}  # fmt: skip
AGREEMENTS = {
    "framework": "框架协议",
    "investment": "投资协议",
    "contract": "正式合同",
    "supplement": "补充协议",
}
# Which agreement types count as a signing (the `signing_agreements` setting's choices).
SIGNING_AGREEMENT_CHOICES = {
    "investment,contract": "投资协议和正式合同",
    "contract": "仅正式合同",
    "investment,contract,supplement": "投资协议、正式合同和补充协议",
    "framework,investment,contract,supplement": "全部协议类型（含框架协议）",
}
# The monthly 到位资金 return (月报).
RETURN_STATUS = {"draft": "填报中", "submitted": "待市级核验", "verified": "已核验", "returned": "已退回"}
RETURN_COLOURS = {"draft": "secondary", "submitted": "warning", "verified": "success", "returned": "danger"}
PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省",
    "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区",
    "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省",
    "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区", "台湾省", "境外",
)  # fmt: skip
