"""Collection strings: in-app feedback, the respondent's questionnaire, survey admin. key: (zh, en)."""

STRINGS: dict[str, tuple[str, str]] = {
    "nav.inapp_feedback": ("提交反馈", "Give feedback"),
    "nav.questionnaire": ("满意度调查", "Questionnaire"),
    "nav.surveys": ("问卷管理", "Surveys"),
    # shared by the respondent pages
    "collect.redacted": (
        "保存前已删除个人信息：{types}。",
        "Personal data was removed before saving: {types}.",
    ),
    "collect.pii_secret": ("密钥", "secret"),
    "collect.pii_email": ("邮箱", "e-mail"),
    "collect.pii_ip": ("IP 地址", "IP address"),
    "collect.pii_id_number": ("身份证号", "ID number"),
    "collect.pii_bank_card": ("银行卡号", "bank card"),
    "collect.pii_phone": ("电话号码", "phone number"),
    "collect.pii_name": ("姓名", "name"),
    "collect.nothing_stored": (
        "未保存任何内容，请修改后重新提交。",
        "Nothing was saved; please correct and send again.",
    ),
    # in-app feedback
    "inapp.title": ("意见反馈", "Your feedback"),
    "inapp.intro": ("{product} 用起来怎么样？", "How is {product} working for you?"),
    "inapp.category": ("遇到了哪类问题？（可选）", "What kind of problem? (optional)"),
    "inapp.kind.accuracy": ("回答不准确", "Accuracy"),
    "inapp.kind.interaction": ("交互体验", "Interaction"),
    "inapp.kind.performance": ("速度与性能", "Speed"),
    "inapp.kind.other": ("其他", "Other"),
    "inapp.comment": ("意见或建议（可选）", "Comment (optional)"),
    "inapp.comment_placeholder": ("发生了什么？您期望的是什么？", "What happened? What did you expect?"),
    "inapp.privacy": (
        "请不要填写个人信息；电话号码、邮箱等会在保存前自动删除。",
        "Please leave out personal details; phone numbers, e-mail addresses and the like are removed before saving.",
    ),
    "inapp.submit": ("提交", "Send"),
    "inapp.thanks": ("谢谢！您的反馈已收到。", "Thank you! Your feedback was received."),
    "inapp.duplicate": (
        "这条反馈已经收到过，没有重复保存。",
        "This feedback was received already; it was not saved twice.",
    ),
    "inapp.stored_comment": ("保存的内容：", "What we saved:"),
    "inapp.another": ("再提一条", "Send more feedback"),
    "inapp.no_product": (
        "此反馈链接没有指明产品（缺少 ?product=）。请从产品内的反馈入口打开。",
        "This feedback link names no product (?product= is missing). Please open it from the product's feedback button.",
    ),
    "inapp.error.product_unknown": (
        "此反馈链接中的产品不存在。请检查链接，或从产品内的反馈入口重新打开。",
        "The product in this feedback link does not exist here. Check the link or open it again from the product.",
    ),
    "inapp.error.empty": ("请选择评分或填写意见。", "Please choose a rating or write a comment."),
    "inapp.error.rating_out_of_range": ("评分须在 1 到 5 之间。", "The rating must be between 1 and 5."),
    "inapp.error.category_unknown": ("未知的问题类型。", "Unknown kind of problem."),
    "inapp.error.too_long": ("意见最多 {n} 个字符。", "The comment can have at most {n} characters."),
    "inapp.error.key_too_long": ("链接中的用户标识过长。", "The user key in this link is too long."),
    # the respondent's questionnaire
    "questionnaire.title": ("{product} 满意度调查", "{product} satisfaction survey"),
    "questionnaire.intro": (
        "大约需要一分钟。带 * 的问题必须回答。问卷开放期间再次提交，会用新的回答替换之前的回答。",
        "About a minute. Questions marked * need an answer. Submitting again while the survey is open replaces your earlier answers.",
    ),
    "questionnaire.answered_before": (
        "您已经回答过本问卷。再次提交将替换之前的回答。",
        "You answered this survey before. Submitting again replaces your earlier answers.",
    ),
    "questionnaire.nps_anchors": (
        "{low} = 完全不可能，{high} = 非常可能",
        "{low} = not at all likely, {high} = extremely likely",
    ),
    "questionnaire.submit": ("提交", "Submit"),
    "questionnaire.thanks": ("谢谢！您的回答已保存。", "Thank you! Your answers were saved."),
    "questionnaire.replaced": (
        "谢谢！您之前的回答已更新为这次的回答。",
        "Thank you! Your earlier answers were updated.",
    ),
    "questionnaire.unchanged": (
        "您的回答之前已经保存，内容没有变化。",
        "Your answers were saved before; nothing changed.",
    ),
    "questionnaire.change": ("修改我的回答", "Change my answers"),
    "questionnaire.no_wave": (
        "此问卷链接不完整：没有指明问卷（缺少 ?wave=）。请使用收到的完整链接。",
        "This survey link is incomplete: it names no survey (?wave= is missing). Please use the complete link you received.",
    ),
    "questionnaire.error.wave_unknown": (
        "找不到此问卷。请检查链接是否完整。",
        "This survey could not be found. Please check that the link is complete.",
    ),
    "questionnaire.error.wave_closed": (
        "此问卷已结束，不再接收回答。感谢您的关注！",
        "This survey has closed and takes no more answers. Thank you for your interest!",
    ),
    "questionnaire.error.key_missing": (
        "此问卷链接缺少您的用户标识（key），回答无法保存。请使用收到的完整链接。",
        "This survey link lacks your respondent key, so answers cannot be saved. Please use the complete link you received.",
    ),
    "questionnaire.error.key_too_long": (
        "链接中的用户标识过长。",
        "The respondent key in this link is too long.",
    ),
    "questionnaire.error.missing": (
        "请回答以下必答问题：{questions}",
        "Please answer these required questions: {questions}",
    ),
    "questionnaire.error.out_of_range": (
        "以下回答超出了允许的范围：{questions}",
        "These answers are outside the allowed range: {questions}",
    ),
    "questionnaire.error.too_long": (
        "以下回答过长（最多 {n} 个字符）：{questions}",
        "These answers are too long (at most {n} characters): {questions}",
    ),
    "questionnaire.error.answer_unknown": (
        "提交中包含本问卷没有的问题：{questions}",
        "The submission answers questions this survey does not have: {questions}",
    ),
    # survey admin
    "surveys.title": ("问卷管理", "Surveys"),
    "surveys.no_product": (
        "还没有产品。请先在“管理”页创建产品和整改轮次。",
        "No product yet. Create a product and a round on the Admin page first.",
    ),
    "surveys.product": ("产品：{product}", "Product: {product}"),
    "surveys.new": ("用模板新建问卷", "New survey from the template"),
    "surveys.template_explain": (
        "模板包含四个维度（准确性、易用性、响应速度、问题解决）的 1-5 分量表、总体满意度、NPS（0-10）和一个开放问题，中英文措辞齐全。",
        "The template has 1-5 scales on the four dimensions (accuracy, ease of use, response speed, problem resolution), overall satisfaction, NPS (0-10) and a free-text question, worded in Chinese and English.",
    ),
    "surveys.name": ("问卷名称", "Survey name"),
    "surveys.name_default": ("满意度调查", "Satisfaction survey"),
    "surveys.create": ("创建问卷", "Create survey"),
    "surveys.created": ("已创建问卷 {name}。", "Survey {name} created."),
    "surveys.none": ("此产品还没有问卷。", "This product has no survey yet."),
    "surveys.survey": ("问卷", "Survey"),
    "surveys.questions": ("问题（中英文）", "Questions (Chinese and English)"),
    "surveys.col_code": ("代码", "Code"),
    "surveys.col_kind": ("类型", "Kind"),
    "surveys.col_zh": ("中文", "Chinese"),
    "surveys.col_en": ("英文", "English"),
    "surveys.col_required": ("必答", "Required"),
    "surveys.waves": ("调查批次", "Waves"),
    "surveys.no_waves": (
        "还没有批次。开启一个基线批次即可开始收集回答。",
        "No wave yet. Open a baseline wave to start collecting answers.",
    ),
    "surveys.col_wave": ("批次", "Wave"),
    "surveys.col_round": ("轮次", "Round"),
    "surveys.col_status": ("状态", "Status"),
    "surveys.col_responses": ("回答数", "Responses"),
    "surveys.col_opens": ("开始", "Opened"),
    "surveys.col_closes": ("结束", "Closed"),
    "surveys.status_open": ("进行中", "open"),
    "surveys.status_closed": ("已结束", "closed"),
    "surveys.open_wave": ("开启新批次", "Open a new wave"),
    "surveys.round": ("整改轮次", "Round"),
    "surveys.kind": ("批次类型", "Kind"),
    "surveys.wave_name": ("批次名称（可选）", "Wave name (optional)"),
    "surveys.open": ("开启批次", "Open wave"),
    "surveys.opened": ("已开启批次 {name}。", "Wave {name} opened."),
    "surveys.no_round": (
        "此产品还没有整改轮次，请先在“管理”页创建。",
        "This product has no round yet; create one on the Admin page.",
    ),
    "surveys.manage_wave": ("管理批次", "Manage a wave"),
    "surveys.respondents": ("受访者：{n} 位", "Respondents: {n}"),
    "surveys.link_help": (
        "受访者链接：把 RESPONDENT_KEY 换成每位受访者在产品中的标识（例如用户 ID）。同一标识在基线和复测中用于配对；保存前会做不可逆的假名化处理。",
        "Respondent link: replace RESPONDENT_KEY with each respondent's key in the product (a user id, say). The same key pairs their baseline and follow-up answers; it is pseudonymised (a keyed hash) before it is stored.",
    ),
    "surveys.path": ("受访者页面的路径：{path}", "Path of the respondent page: {path}"),
    "surveys.close": ("结束此批次", "Close this wave"),
    "surveys.reopen": ("重新开启此批次", "Reopen this wave"),
    "surveys.closed": ("批次 {name} 已结束，不再接收回答。", "Wave {name} closed; it takes no more answers."),
    "surveys.reopened": ("批次 {name} 已重新开启。", "Wave {name} reopened."),
    "surveys.feedback_link": ("应用内反馈链接", "In-app feedback link"),
    "surveys.feedback_link_help": (
        "在产品中嵌入这个链接（iframe 加 embed=true）。app_version、model_version 和 key 可选，lang=zh 或 en 设定语言。",
        "Embed this link in the product (an iframe with embed=true). app_version, model_version and key are optional; lang=zh or en sets the language.",
    ),
    "surveys.error.name_empty": ("请输入名称。", "Enter a name."),
    "surveys.error.product_unknown": ("产品不存在。", "No such product."),
    "surveys.error.round_unknown": ("该轮次不属于此产品。", "That round does not belong to this product."),
    "surveys.error.kind_unknown": ("未知的批次类型。", "Unknown wave kind."),
    "surveys.error.wave_unknown": ("批次不存在。", "No such wave."),
    # The other codes of db.surveys.SurveyError: the import page can meet them with a file's questions.
    "surveys.error.survey_unknown": (
        "问卷不存在（可能已被删除）。",
        "No such survey (it may have been deleted).",
    ),
    "surveys.error.question_unknown": ("题目不存在。", "No such question."),
    "surveys.error.code_invalid": (
        "题目代码无效：须以小写字母开头，只含小写字母、数字和下划线。",
        "A question code is invalid: it must start with a lower-case letter and hold only lower-case "
        "letters, digits and underscores.",
    ),
    "surveys.error.code_taken": ("两道题的代码相同。", "Two questions have the same code."),
    "surveys.error.text_missing": (
        "每道题都需要中文和英文题干。",
        "Every question needs its wording in Chinese and English.",
    ),
    "surveys.error.points_invalid": ("量表只能是 5 分或 7 分。", "A scale has 5 or 7 points."),
    "surveys.error.wording_invalid": ("未知的量表措辞。", "Unknown scale wording."),
    "surveys.error.options_too_few": (
        "选择题至少需要两个选项，每个选项都要有中文和英文。",
        "A choice question needs at least two options, each worded in Chinese and English.",
    ),
    "surveys.error.options_repeated": ("选择题的选项有重复。", "A choice question repeats an option."),
    "surveys.error.dimension_missing": (
        "每道量表题、NPS 题和是非题都要说明它衡量什么（维度）；不需要的题目可以取消勾选。",
        "Every scale, NPS and yes/no question must say what it measures (its dimension); untick the "
        "questions you do not need.",
    ),
    "surveys.error.question_frozen": (
        "这道题已有回答，含义不能再改；请新建一个版本。",
        "The question has answers: its meaning can no longer change. Make a new version instead.",
    ),
    "surveys.error.not_answered": (
        "这道题还没有回答，直接修改即可。",
        "Nobody has answered the question yet: change it instead.",
    ),
    "surveys.error.survey_empty": ("问卷没有可用的题目。", "The survey has no questions to use."),
}
