"""Sampling and invitation strings: the planner, tracking, exports, the invitee's questionnaire. key: (zh, en)."""

STRINGS: dict[str, tuple[str, str]] = {
    "nav.sampling": ("抽样与邀请", "Sampling & invitations"),
    "sampling.title": ("抽样与邀请", "Sampling & invitations"),
    "sampling.intro": (
        "从用户名单中按分层随机抽样，决定邀请谁参加一轮调查，并跟踪谁打开、谁完成了问卷。",
        "Draw a stratified random sample from the user list to decide who is invited to a wave, then track who opened and who completed it.",
    ),
    "sampling.no_product": (
        "还没有产品。请先在“管理”页面创建产品。",
        "No product yet. Create one on the Admin page first.",
    ),
    "sampling.no_population": (
        "此产品还没有用户名单。请先在“用户名单与代表性”页面导入用户名单（CSV 或 XLSX），再回来抽样。",
        "This product has no user list yet. Import one (CSV or XLSX) on the “Users & representativeness” page, then come back to sample.",
    ),
    "sampling.population": ("用户名单：{n} 位用户。", "User list: {n} users."),
    "sampling.no_wave": (
        "此产品还没有调查轮次。请先在“问卷管理”页面开启一轮。",
        "This product has no survey wave yet. Open one on the Surveys page first.",
    ),
    "sampling.wave": ("调查轮次", "Wave"),
    "sampling.plan_header": ("抽样方案", "Sampling plan"),
    "sampling.attributes": ("分层属性", "Strata (attributes)"),
    "sampling.target": ("目标完成数", "Completed answers wanted"),
    "sampling.expected_rate": ("预期回复率（%）", "Expected response rate (%)"),
    "sampling.expected_rate_help": (
        "某一层在以往轮次中至少有 20 个邀请时，改用该层以往的回复率（RR1）。",
        "Where a stratum had at least 20 invitations in earlier waves, its earlier response rate (RR1) is used instead.",
    ),
    "sampling.allocation": ("分配方式", "Allocation"),
    "sampling.allocation.proportional": ("按比例", "Proportional"),
    "sampling.allocation.minimum": ("按比例，每层至少", "Proportional, with a minimum per stratum"),
    "sampling.minimum": ("每层至少完成数", "Minimum completes per stratum"),
    "sampling.seed": ("随机种子", "Random seed"),
    "sampling.seed_help": (
        "相同的种子和相同的用户名单得到相同的邀请名单。",
        "The same seed and the same user list give the same invitations.",
    ),
    "sampling.cap_days": ("频次限制（天）", "Frequency cap (days)"),
    "sampling.cap_help": (
        "不邀请在这么多天内被邀请过或回答过任何调查的用户；0 表示不限制。",
        "Nobody invited or answering any survey in this many days is invited; 0: no cap.",
    ),
    "sampling.panel": (
        "固定样本：先邀请回答过此基线轮次的所有用户",
        "Panel: invite everyone who answered this baseline first",
    ),
    "sampling.no_panel": ("不使用", "None"),
    "sampling.quotas": (
        "配额：某层达到目标完成数后关闭其链接",
        "Quotas: close a stratum's links once its target is met",
    ),
    "sampling.draw": ("抽取邀请名单", "Draw invitations"),
    "sampling.drawn": (
        "已抽取 {n} 位受邀用户（{capped} 位因频次限制被排除）。",
        "{n} members invited ({capped} left out by the frequency cap).",
    ),
    "sampling.short": (
        "部分分层的用户不够，按预期回复率无法达到其目标完成数；已邀请这些层的全部可用用户。",
        "Some strata have too few users to reach their target at the expected rate; all their available users are invited.",
    ),
    "sampling.read_only": (
        "你可以查看抽样和跟踪；只有管理员和分析员可以抽取邀请名单。",
        "You can read the plan and the tracking; only admins and analysts draw invitations.",
    ),
    "sampling.redraw_note": (
        "再次抽取会替换此轮次的邀请名单，直到有人打开了链接。",
        "Drawing again replaces this wave's invitations, until someone has opened a link.",
    ),
    "sampling.no_plan": ("此轮次还没有抽样方案。", "This wave has no sampling plan yet."),
    "sampling.tracking_header": ("回复跟踪", "Response tracking"),
    "sampling.rr1_note": (
        "回复率为 AAPOR RR1：完成数 ÷ 邀请数（只知道邀请与完成，其余都算作未回复）。",
        "Response rate is AAPOR RR1: completes ÷ invited (only invitations and completes are known; everything else counts as non-response).",
    ),
    "sampling.metric.invited": ("已邀请", "Invited"),
    "sampling.metric.opened": ("已打开", "Opened"),
    "sampling.metric.completed": ("已完成", "Completed"),
    "sampling.metric.rr1": ("回复率（RR1）", "Response rate (RR1)"),
    "sampling.col.stratum": ("分层", "Stratum"),
    "sampling.col.population": ("可邀请用户", "Available users"),
    "sampling.col.quota": ("目标完成数（配额）", "Target (quota)"),
    "sampling.col.invited": ("已邀请", "Invited"),
    "sampling.col.opened": ("已打开", "Opened"),
    "sampling.col.completed": ("已完成", "Completed"),
    "sampling.col.rr1": ("回复率", "Response rate"),
    "sampling.col.closed": ("已满额", "Quota met"),
    "sampling.col.rate": ("方案采用的回复率", "Rate planned with"),
    "sampling.col.rate_source": ("回复率来源", "Rate from"),
    "sampling.source.earlier": ("以往轮次", "earlier waves"),
    "sampling.source.expected": ("预期", "expected"),
    "sampling.all": ("合计", "All"),
    "sampling.daily": ("每日进展", "By day"),
    "sampling.col.day": ("日期", "Day"),
    "sampling.exports": ("导出", "Exports"),
    "sampling.raw_keys": (
        "（可选）粘贴产品用户 ID，每行一个，以便在名单中显示",
        "(Optional) paste your users' IDs, one per line, to show them in the lists",
    ),
    "sampling.raw_keys_help": (
        "用户 ID 只用于在导出中与其加密标识匹配，不会保存。",
        "The IDs are only matched to their pseudonymous keys for the export; they are not stored.",
    ),
    "sampling.download_invitations": ("下载邀请名单（CSV）", "Download the invitation list (CSV)"),
    "sampling.download_reminders": (
        "下载提醒名单：{n} 位未完成（CSV）",
        "Download the reminder list: {n} not completed (CSV)",
    ),
    "sampling.head.user": ("用户 ID", "User ID"),
    "sampling.head.member": ("用户加密标识", "Pseudonymous key"),
    "sampling.head.stratum": ("分层", "Stratum"),
    "sampling.head.link": ("个人链接", "Personal link"),
    "sampling.head.invited_at": ("邀请时间（UTC）", "Invited (UTC)"),
    "sampling.head.opened_at": ("打开时间（UTC）", "Opened (UTC)"),
    "sampling.head.reminded_at": ("提醒时间（UTC）", "Reminded (UTC)"),
    "sampling.error.wave_unknown": ("此调查轮次不存在。", "This wave does not exist."),
    "sampling.error.no_population": ("此产品还没有用户名单。", "This product has no user list yet."),
    "sampling.error.attribute_unknown": (
        "用户名单中没有这些属性：{detail}。",
        "The user list has no such attribute: {detail}.",
    ),
    "sampling.error.target_invalid": (
        "目标完成数至少为 1。",
        "The target must be at least 1 completed answer.",
    ),
    "sampling.error.rate_invalid": (
        "预期回复率须大于 0% 且不超过 100%。",
        "The expected response rate must be above 0 % and at most 100 %.",
    ),
    "sampling.error.allocation_invalid": ("未知的分配方式。", "Unknown allocation."),
    "sampling.error.minimum_invalid": (
        "每层至少完成数不能为负数。",
        "The minimum per stratum cannot be negative.",
    ),
    "sampling.error.cap_invalid": (
        "频次限制天数不能为负数。",
        "The frequency cap cannot be a negative number of days.",
    ),
    "sampling.error.plan_started": (
        "此轮次已有人打开邀请链接，不能再重新抽取。",
        "Someone has opened an invitation of this wave already; its invitations can no longer be drawn again.",
    ),
    "sampling.error.nobody_left": (
        "频次限制之后没有可邀请的用户。",
        "Nobody is left to invite after the frequency cap.",
    ),
    # the invitee's questionnaire
    "questionnaire.quota_full": (
        "感谢您的关注！您所在的用户群体已经收到足够的回答，本次调查无需您再填写。谢谢！",
        "Thank you for your interest! This survey has enough answers from your group, so there is no need to fill it in. Thank you!",
    ),
    "questionnaire.error.invitation_unknown": (
        "此邀请链接无效或不属于这轮调查。请检查链接是否完整。",
        "This invitation link is not valid or belongs to another survey. Check that the link is complete.",
    ),
}
