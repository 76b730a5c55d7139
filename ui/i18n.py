"""UI strings in Chinese and English, and the language switch. Every key has both languages."""

from __future__ import annotations

import streamlit as st

LANGUAGES = {"zh": "中文", "en": "English"}
LANG_KEY = "lang"
LAST_KEY = "lang_last"

# key: (zh, en). Placeholders in braces must match in both.
STRINGS: dict[str, tuple[str, str]] = {
    "app.language": ("语言", "Language"),
    # navigation
    "nav.first_run": ("初始设置", "First run"),
    "nav.login": ("登录", "Log in"),
    "nav.home": ("概览", "Overview"),
    "nav.admin": ("管理", "Admin"),
    # database problems: never a traceback, the password is masked in {where}
    "db.bad_url": (
        "数据库地址 DATABASE_URL 无法识别：{where}",
        "DATABASE_URL is not a valid database address: {where}",
    ),
    "db.unreachable": (
        "无法连接数据库 {where}。请检查服务器是否运行、地址和凭据是否正确。",
        "Cannot reach the database at {where}. Check that the server runs and the address and credentials are right.",
    ),
    "db.corrupt": (
        "数据库文件 {where} 已损坏或不是数据库文件。Rectify 没有修改它；请从备份恢复或指定另一个文件。",
        "The database file {where} is damaged or not a database. Rectify left it untouched; restore it from a backup or point to another file.",
    ),
    "db.read_only": (
        "数据库 {where} 是只读的，Rectify 无法写入。请检查文件和目录权限。",
        "The database {where} is read-only, so Rectify cannot write to it. Check the file and folder permissions.",
    ),
    "db.newer_schema": (
        "数据库 {where} 由更新版本的 Rectify 创建。请升级 Rectify 后再打开；数据未被修改。",
        "The database {where} was made by a newer version of Rectify. Upgrade Rectify to open it; no data was changed.",
    ),
    "db.foreign_schema": (
        "数据库 {where} 中已有其他应用的表。请为 Rectify 使用单独的数据库；数据未被修改。",
        "The database {where} already holds another application's tables. Give Rectify a database of its own; no data was changed.",
    ),
    "db.failed": (
        "数据库 {where} 出错，操作已取消，数据未被修改。",
        "The database {where} reported an error; the operation was cancelled and no data was changed.",
    ),
    "db.help": (
        "数据库地址通过环境变量 DATABASE_URL 设置，默认是 sqlite:///data/rectify.db。",
        "The database is set by the DATABASE_URL environment variable; the default is sqlite:///data/rectify.db.",
    ),
    # accounts
    "auth.username": ("用户名", "Username"),
    "auth.password": ("密码", "Password"),
    "auth.password_confirm": ("确认密码", "Confirm password"),
    "auth.password_help": ("至少 {n} 个字符。", "At least {n} characters."),
    "auth.password_mismatch": ("两次输入的密码不一致。", "The two passwords differ."),
    "auth.login": ("登录", "Log in"),
    "auth.logout": ("退出登录", "Log out"),
    "auth.login_required": ("请先登录。", "Please log in first."),
    "auth.forbidden": ("您的角色无权访问此页面。", "Your role does not have access to this page."),
    "auth.signed_in_as": ("已登录：{username}（{role}）", "Signed in as {username} ({role})"),
    "account.username_empty": ("请输入用户名。", "Enter a username."),
    "account.username_taken": ("该用户名已被使用。", "That username is taken."),
    "account.password_short": ("密码至少需要 {n} 个字符。", "The password needs at least {n} characters."),
    "account.role_unknown": ("未知角色。", "Unknown role."),
    "account.already_set_up": (
        "已存在管理员账号，请登录。",
        "An admin account exists already; please log in.",
    ),
    "account.user_unknown": ("用户不存在。", "No such user."),
    "account.last_admin": (
        "不能降级或停用最后一位管理员。",
        "The last active admin cannot be demoted or disabled.",
    ),
    "role.admin": ("管理员", "admin"),
    "role.analyst": ("分析师", "analyst"),
    "role.viewer": ("查看者", "viewer"),
    "first_run.title": ("欢迎使用 Rectify", "Welcome to Rectify"),
    "first_run.intro": (
        "这是一个新的安装。请创建第一个管理员账号；之后可以在“管理”页添加分析师和查看者。",
        "This is a new installation. Create the first admin account; you can add analysts and viewers on the Admin page afterwards.",
    ),
    "first_run.create": ("创建管理员", "Create admin"),
    "login.title": ("登录 Rectify", "Log in to Rectify"),
    "login.failed": ("用户名或密码错误。", "Wrong username or password."),
    # workspace
    "workspace.product": ("产品", "Product"),
    "workspace.round": ("整改轮次", "Rectification round"),
    "workspace.all_rounds": ("全部轮次", "All rounds"),
    "workspace.name_empty": ("请输入名称。", "Enter a name."),
    "workspace.name_taken": ("已有同名产品。", "A product with that name exists."),
    "workspace.domain_unknown": ("未知领域。", "Unknown domain."),
    "workspace.round_name_empty": ("请输入轮次名称。", "Enter a round name."),
    "domain.medical": ("医疗", "Medical"),
    "domain.finance": ("金融", "Finance"),
    "domain.education": ("教育", "Education"),
    "domain.manufacturing": ("制造", "Manufacturing"),
    "domain.other": ("其他", "Other"),
    # home
    "home.title": ("概览", "Overview"),
    "home.empty": (
        "还没有产品。加载演示工作区来浏览 Rectify，或由管理员在“管理”页创建产品。",
        "No product yet. Load the demo workspace to explore Rectify, or an admin creates a product on the Admin page.",
    ),
    "home.scope": ("范围：{round}", "Scope: {round}"),
    "home.feedback_heading": ("反馈数量", "Feedback received"),
    "home.feedback_total": ("全部", "Total"),
    "home.satisfaction_heading": ("最新满意度", "Latest satisfaction"),
    "home.no_survey": ("此范围内还没有问卷回答。", "No questionnaire answers in this scope yet."),
    "home.latest_wave": ("{wave}（{kind}），{n} 位受访者", "{wave} ({kind}), {n} respondents"),
    "home.n_answers": ("{n} 个回答", "{n} answers"),
    "channel.in_app": ("应用内反馈", "In-app feedback"),
    "channel.survey_comment": ("问卷留言", "Survey comments"),
    "channel.customer_service": ("客服记录", "Customer service"),
    "channel.community": ("社区帖子", "Community posts"),
    "channel.other": ("其他", "Other"),
    "dimension.accuracy": ("准确性", "Accuracy"),
    "dimension.ease_of_use": ("易用性", "Ease of use"),
    "dimension.response_speed": ("响应速度", "Response speed"),
    "dimension.problem_resolution": ("问题解决", "Problem resolution"),
    "wave.baseline": ("基线", "baseline"),
    "wave.follow_up": ("复测", "follow-up"),
    # demo
    "demo.title": ("演示工作区", "Demo workspace"),
    "demo.tag": ("演示", "demo"),
    "demo.explain": (
        "演示工作区包含一个虚构的 AI 医疗助手：几个月来自各渠道的中英文反馈，以及整改前后两轮满意度问卷。它被标记为演示数据，可以随时删除。",
        "The demo workspace holds a fictional AI medical assistant: months of Chinese and English feedback from every channel and a satisfaction survey before and after a round of fixes. It is marked as demo data and can be removed at any time.",
    ),
    "demo.load": ("加载演示工作区", "Load demo workspace"),
    "demo.loading": ("正在生成演示数据…", "Generating the demo data…"),
    "demo.loaded": ("演示工作区已加载：{n} 条反馈。", "Demo workspace loaded: {n} feedback items."),
    "demo.remove": ("删除演示工作区", "Remove demo workspace"),
    "demo.removed": ("演示工作区已删除。", "Demo workspace removed."),
    # admin
    "admin.title": ("管理", "Admin"),
    "admin.users": ("用户", "Users"),
    "admin.workspace": ("产品与轮次", "Products and rounds"),
    "admin.audit": ("审计日志", "Audit log"),
    "admin.role": ("角色", "Role"),
    "admin.active": ("启用", "Active"),
    "admin.last_login": ("最近登录", "Last login"),
    "admin.new_user": ("新用户", "New user"),
    "admin.create_user": ("创建用户", "Create user"),
    "admin.user_created": ("已创建用户 {username}。", "User {username} created."),
    "admin.edit_user": ("修改用户", "Change a user"),
    "admin.save": ("保存", "Save"),
    "admin.user_updated": ("已更新用户 {username}。", "User {username} updated."),
    "admin.new_product": ("新产品", "New product"),
    "admin.product_name": ("产品名称", "Product name"),
    "admin.domain": ("领域", "Domain"),
    "admin.first_round": ("第一个整改轮次", "First rectification round"),
    "admin.round_default": ("第 1 轮", "Round 1"),
    "admin.create_product": ("创建产品", "Create product"),
    "admin.product_created": ("已创建产品 {name}。", "Product {name} created."),
    "audit.at": ("时间", "When"),
    "audit.actor": ("操作人", "Who"),
    "audit.action": ("操作", "What"),
    "audit.object": ("对象", "Object"),
}


def current_language() -> str:
    """The session's language: chosen in the switch, else ?lang=, else the browser's locale."""
    lang = st.session_state.get(LANG_KEY)
    if lang in LANGUAGES:
        return str(lang)
    asked = st.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked
    locale = (st.context.locale or "") if hasattr(st.context, "locale") else ""
    return "zh" if str(locale).lower().startswith("zh") else "en"


def t(key: str, **values: object) -> str:
    """The string for `key` in the session's language, with {placeholders} filled in."""
    zh, en = STRINGS[key]
    text = zh if current_language() == "zh" else en
    return text.format(**values) if values else text


def language_switch() -> None:
    """A 中文 / English switch in the sidebar; the choice holds for the whole session."""
    st.session_state.setdefault(LANG_KEY, current_language())
    st.sidebar.segmented_control(
        t("app.language"),
        list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=LANG_KEY,
        selection_mode="single",
    )
    if st.session_state.get(LANG_KEY) not in LANGUAGES:  # a click on the selected option clears it
        st.session_state[LANG_KEY] = "en"
