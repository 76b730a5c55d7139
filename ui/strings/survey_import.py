"""Strings of importing survey responses from another tool."""

STRINGS: dict[str, tuple[str, str]] = {
    "nav.import_survey": ("导入问卷结果", "Import survey responses"),
    "survey_import.title": ("导入其他工具的问卷结果", "Import survey responses from another tool"),
    "survey_import.no_product": (
        "请先在侧边栏选择产品，或由管理员创建产品。",
        "Pick a product in the sidebar first, or ask an admin to create one.",
    ),
    "survey_import.intro": (
        "上传问卷星、腾讯问卷、Qualtrics、SurveyMonkey、Google 表单或 Microsoft Forms 导出的结果"
        "（每位受访者一行，CSV 或 XLSX，UTF-8 或 GBK），导入产品 {product} 的一个批次。"
        "开放题的回答会先去除个人信息再保存，并作为问卷评论进入反馈库。同一文件导入两次不会重复添加。",
        "Upload the responses exported by 问卷星, 腾讯问卷, Qualtrics, SurveyMonkey, Google Forms or "
        "Microsoft Forms (one row per respondent, CSV or XLSX, UTF-8 or GBK) as a wave of {product}. "
        "Free-text answers are redacted before they are stored and become survey comments in the feedback. "
        "Importing the same file twice adds nothing.",
    ),
    "survey_import.upload": ("问卷结果文件", "Survey export"),
    "survey_import.found": (
        "已识别为{tool}导出：{rows} 位受访者，{questions} 道题。",
        "Recognised as a {tool} export: {rows} respondents, {questions} questions.",
    ),
    "survey_import.layout.wjx": ("问卷星", "问卷星 (Wenjuanxing)"),
    "survey_import.layout.tencent": ("腾讯问卷", "腾讯问卷 (Tencent Survey)"),
    "survey_import.layout.qualtrics": ("Qualtrics", "Qualtrics"),
    "survey_import.layout.surveymonkey": ("SurveyMonkey", "SurveyMonkey"),
    "survey_import.layout.google_forms": ("Google 表单", "Google Forms"),
    "survey_import.layout.microsoft_forms": ("Microsoft Forms", "Microsoft Forms"),
    "survey_import.layout.generic": ("通用表格", "plain table"),  # "Recognised as a {tool} export"
    "survey_import.questions_found": ("文件中的题目", "Questions in the file"),
    "survey_import.col.question": ("题目", "Question"),
    "survey_import.col.kind": ("题型", "Kind"),
    "survey_import.col.dimension": ("衡量维度", "Measures"),
    "survey_import.col.columns": ("文件列", "File columns"),
    "survey_import.into": ("导入到", "Import into"),
    "survey_import.mode.existing": ("已有问卷", "An existing survey"),
    "survey_import.mode.new": ("用文件中的题目新建问卷", "A new survey made from the file's questions"),
    "survey_import.survey": ("问卷", "Survey"),
    "survey_import.new_name": ("新问卷名称", "Name of the new survey"),
    "survey_import.mapping_help": (
        "已按题目文字匹配文件中的题目；请核对，必要时手动更改。未对应的题目不导入。",
        "Questions were matched to the file by their wording; check them and change any that are wrong. "
        "Questions left unmatched are not imported.",
    ),
    "survey_import.not_in_file": ("（文件中没有）", "(not in the file)"),
    "survey_import.no_mapping": (
        "没有任何题目与文件对应，无可导入的内容。",
        "No question is matched to the file: there is nothing to import.",
    ),
    "survey_import.id_column": ("受访者 ID 列", "Respondent id column"),
    "survey_import.no_id": (
        "无（匿名，不与其他批次配对）",
        "None (anonymous, never paired with other waves)",
    ),
    "survey_import.id_help": (
        "同一受访者在两个批次中使用相同 ID 时，前后对比可以配对。ID 会先转换为假名再保存。",
        "When a respondent has the same id in both waves, the before/after comparison can pair them. "
        "Ids are pseudonymised before they are stored.",
    ),
    "survey_import.wave": ("批次", "Wave"),
    "survey_import.wave_mode.new": ("新批次", "A new wave"),
    "survey_import.wave_mode.existing": ("已有批次", "An existing wave"),
    "survey_import.collected_on": ("收集日期", "Collected on"),
    "survey_import.no_round": (
        "此产品还没有整改轮次，请管理员先在管理页面创建一个。",
        "This product has no round yet; ask an admin to create one on the admin page.",
    ),
    "survey_import.preview": ("预览", "Preview"),
    "survey_import.preview_counts": (
        "共 {total} 行：{ready} 行可导入，{rejected} 行有问题将被拒绝。",
        "{total} rows: {ready} can be imported, {rejected} have problems and will be refused.",
    ),
    "survey_import.preview_row": ("第 {n} 行", "Row {n}"),
    "survey_import.submit": ("导入", "Import"),
    "survey_import.done": (
        "已导入 {added} 份回答；此批次现有 {wave} 份回答。",
        "{added} responses imported; the wave now has {wave}.",
    ),
    "survey_import.skipped": (
        "{n} 行此前已导入，已跳过。",
        "{n} rows were imported before and were skipped.",
    ),
    "survey_import.nothing_new": (
        "没有新内容：文件中的 {n} 行此前都已导入。",
        "Nothing new: the file's {n} rows were all imported before.",
    ),
    "survey_import.nothing_readable": (
        "文件中没有可以保存的回答（{n} 行被拒绝），未保存任何内容。",
        "No answer in the file could be stored ({n} rows refused): nothing was stored.",
    ),
    "survey_import.comments": (
        "{n} 条开放题回答已去除个人信息，并作为问卷评论保存。",
        "{n} free-text answers were redacted and stored as survey comments.",
    ),
    "survey_import.too_few": (
        "此批次只有 {n} 份回答；前后对比每个批次至少需要 {min} 份。",
        "This wave has only {n} responses; a before/after comparison needs at least {min} per wave.",
    ),
    "survey_import.rejected": ("{n} 行被拒绝（未保存）", "{n} rows refused (not stored)"),
    "survey_import.download_rejected": ("下载被拒绝的行（CSV）", "Download the refused rows (CSV)"),
    "survey_import.reason.unknown_label": (
        "无法识别的回答：{value}",
        "An answer that is no point of the scale: {value}",
    ),
    "survey_import.reason.out_of_scale": ("超出量表范围：{value}", "Outside the scale: {value}"),
    "survey_import.reason.not_a_point": ("不是量表上的整数分：{value}", "Not a point of the scale: {value}"),
    "survey_import.reason.not_a_number": ("不是数字：{value}", "Not a number: {value}"),
    "survey_import.reason.unknown_option": (
        "不是此题的选项：{value}",
        "Not an option of the question: {value}",
    ),
    "survey_import.reason.duplicate_in_file": ("与第 {first_row} 行重复", "Repeats row {first_row}"),
    "survey_import.reason.too_many_cells": (
        "这一行的单元格比表头多",
        "The row has more cells than the header",
    ),
    "survey_import.reason.already_answered": (
        "此受访者已回答过这个批次（回答不同）",
        "This respondent has answered this wave already (with other answers)",
    ),
    "survey_import.problem.empty_file": ("文件是空的。", "The file is empty."),
    "survey_import.problem.too_large": ("文件太大。", "The file is too large."),
    "survey_import.problem.unsupported_type": (
        "不支持此文件类型，请上传 CSV 或 XLSX。",
        "This kind of file is not supported: upload a CSV or XLSX.",
    ),
    "survey_import.problem.undecodable": (
        "无法识别文件的文字编码，请另存为 UTF-8 或 GBK。",
        "The file's text encoding cannot be read: save it as UTF-8 or GBK.",
    ),
    "survey_import.problem.unreadable": ("无法读取文件。", "The file cannot be read."),
    "survey_import.problem.no_rows": ("文件中没有受访者的回答。", "The file has no respondents' answers."),
    "survey_import.problem.too_many_rows": (
        "文件超过 {limit} 行的上限，没有读取也没有保存任何内容。请拆分成几个文件分别导入（上限由 RECTIFY_IMPORT_MAX_ROWS 设置）。",
        "The file has more than the {limit} rows allowed; nothing was read or stored. Split it into parts and import each (the limit is set by RECTIFY_IMPORT_MAX_ROWS).",
    ),
    "survey_import.problem.unzipped_too_large": (
        "这个工作簿解压后超过 {limit_mb} MB 的上限，没有打开也没有保存任何内容。请删除多余的工作表或另存为 CSV（上限由 RECTIFY_IMPORT_MAX_UNZIPPED_MB 设置）。",
        "This workbook unpacks to more than the {limit_mb} MB allowed; it was not opened and nothing was stored. Remove unneeded sheets or save it as CSV (the limit is set by RECTIFY_IMPORT_MAX_UNZIPPED_MB).",
    ),
    "survey_import.problem.compressed_too_much": (
        "这个工作簿解压后超过自身大小的 {ratio} 倍（压缩炸弹就是这样），没有打开也没有保存任何内容。如果是正常文件，请另存为 CSV（上限由 RECTIFY_IMPORT_MAX_ZIP_RATIO 设置）。",
        "This workbook unpacks to more than {ratio} times its size, as a zip bomb does; it was not opened and nothing was stored. If it is a genuine file, save it as CSV (the limit is set by RECTIFY_IMPORT_MAX_ZIP_RATIO).",
    ),
    "survey_import.problem.unsafe_xml": (
        "这个工作簿的 XML 中含有实体声明（DOCTYPE/ENTITY）。Excel 从不写入这种内容，而 XXE 和“十亿笑声”攻击依赖它，因此文件被拒绝，没有保存任何内容。请在 Excel 中重新保存后再导入。",
        "This workbook's XML declares entities (DOCTYPE/ENTITY). Excel never writes them and XXE and “billion laughs” attacks rely on them, so the file was refused and nothing was stored. Save it again from Excel and retry.",
    ),
    "survey_import.problem.no_question_columns": (
        "文件中没有可识别的题目列。",
        "The file has no columns that look like questions.",
    ),
    "survey_import.problem.not_a_survey": (
        "这看起来不是问卷结果导出（每位受访者一行、每题一列）。",
        "This does not look like a survey export (one row per respondent, one column per question).",
    ),
    "survey_import.problem.duplicate_ids": (
        "受访者 ID 有重复（{count} 个），例如：{ids}。请修正文件或选择其他 ID 列；未保存任何内容。",
        "Respondent ids repeat ({count} of them), e.g. {ids}. Fix the file or pick another id column; "
        "nothing was stored.",
    ),
    "survey_import.problem.unknown_columns": (
        "文件中没有这些列：{columns}。",
        "The file has no columns {columns}.",
    ),
    "survey_import.problem.scale_points_differ": (
        "列「{column}」是 {file_points} 分量表，但题目「{question}」是 {points} 分量表：两者不能混用。"
        "请为它新建题目，或新建问卷；未保存任何内容。",
        "Column “{column}” is on a {file_points}-point scale but the question “{question}” on a "
        "{points}-point one: they cannot be mixed. Make it a question of its own or a new survey; nothing "
        "was stored.",
    ),
    "survey.kind.scale": ("量表", "Scale"),
    "survey.kind.nps": ("NPS（0-10 分）", "NPS 0-10"),
    "survey.kind.yes_no": ("是/部分/否", "Yes / partly / no"),
    "survey.kind.single": ("单选", "Single choice"),
    "survey.kind.multi": ("多选", "Multiple choice"),
    "survey.kind.number": ("数字", "Number"),
    "survey.kind.text": ("开放文本", "Free text"),
}
