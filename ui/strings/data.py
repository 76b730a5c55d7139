"""UI strings of the data pages: importing files and the feedback browser. key: (zh, en)."""

STRINGS: dict[str, tuple[str, str]] = {
    "nav.import_feedback": ("导入反馈", "Import feedback"),
    "nav.feedback_browser": ("反馈浏览", "Feedback browser"),
    # import
    "import.title": ("导入客服记录与社区帖子", "Import customer-service records and community posts"),
    "import.no_product": (
        "还没有产品。请先由管理员在“管理 › 账号与工作区”页创建产品，或在概览页加载演示工作区。",
        "No product yet. An admin creates one on the Manage › Accounts and workspaces page, or load the demo workspace on the Overview.",
    ),
    "import.intro": (
        "支持 CSV（UTF-8、带 BOM 的 UTF-8、Excel 导出的 GBK/GB18030）、XLSX 和 JSONL，最大 {limit_mb} MB、"
        "{max_rows} 行，每条内容最多 {max_chars} 个字符。"
        "导入到产品“{product}”。个人信息在保存前会被脱敏，客户 ID 只以假名形式保存。",
        "CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 as Chinese Excel saves it), XLSX and JSONL, up to {limit_mb} MB "
        "and {max_rows} rows; each text up to {max_chars} characters. "
        "Rows go to the product “{product}”. Personal data is redacted before anything is stored, and customer ids "
        "are kept only as pseudonyms.",
    ),
    "import.file": ("选择文件", "Choose a file"),
    # Streamlit's file uploader, redrawn in Chinese (ui/file_upload.py)
    "upload.button": ("上传", "Upload"),
    "upload.limits": ("每个文件最大 {n} MB · {types}", "{n}MB per file • {types}"),
    "import.reading": ("正在读取文件…", "Reading the file…"),
    "import.channel": ("来源渠道", "Channel"),
    "import.read": (
        "已读取 {rows} 行、{columns} 列（{kind}，编码 {encoding}）。",
        "Read {rows} rows and {columns} columns ({kind}, encoding {encoding}).",
    ),
    "import.encoding_none": ("不适用", "n/a"),
    "import.mapping": ("第 1 步：对应列", "Step 1: match the columns"),
    "import.mapping_help": (
        "为每一项选择文件中的列；只有反馈内容是必需的。已根据表头自动推测。",
        "Pick the file's column for each field; only the text is required. The choice is guessed from the header.",
    ),
    "import.not_in_file": ("（文件中没有）", "(not in the file)"),
    "import.no_text_guess": (
        "没有哪一列看起来像反馈内容（例如“内容”“反馈内容”“text”“comment”）。文件的列是：{columns}。"
        "请在下面选择内容所在的列，或检查是否选错了文件。",
        "No column looks like the feedback text (such as text, comment or content). The file's columns are: "
        "{columns}. Pick the text column below, or check that this is the right file.",
    ),
    "import.text_looks_wrong": (
        "所选的内容列大多是数字、日期或编号，而不是文字。请确认选对了列。",
        "The chosen text column holds mostly numbers, dates or ids rather than sentences. Check that it is the right column.",
    ),
    "import.same_column_twice": (
        "同一列被选给了多个字段：{columns}。",
        "The same column is chosen for more than one field: {columns}.",
    ),
    "import.field.text": ("反馈内容（必需）", "Feedback text (required)"),
    "import.field.created_at": ("时间", "Date and time"),
    "import.field.rating": ("评分（1–5）", "Rating (1-5)"),
    "import.field.customer_id": ("客户 ID", "Customer id"),
    "import.field.source_ref": ("工单号 / 帖子 ID", "Ticket or post id"),
    "import.field.severity": ("严重程度（1–4）", "Severity (1-4)"),
    "import.field.app_version": ("应用版本", "App version"),
    "import.field.model_version": ("模型版本", "Model version"),
    "import.field.segment": ("客户分组", "Segment"),
    "import.field.language": ("语言", "Language"),
    "import.row": ("行", "Row"),
    "import.timezone": ("没有时区的时间按此时区解读", "Read times without a zone in"),
    "import.day_order": ("像 03/05/2026 这样的日期", "Dates like 03/05/2026"),
    "import.order.auto": ("自动判断（默认日在前）", "Decide from the column (day first if unclear)"),
    "import.order.day_first": ("日/月/年（03/05 是 5 月 3 日）", "day/month/year (03/05 is 3 May)"),
    "import.order.month_first": (
        "月/日/年（美国格式，03/05 是 3 月 5 日）",
        "month/day/year (US: 03/05 is March 5)",
    ),
    "import.no_date_column": (
        "没有选择时间列：所有行都会记为导入时间，重复导入时仍能识别重复。",
        "No date column: every row gets the time of the import (a second import is still recognised).",
    ),
    "import.preview": ("预览（前 {n} 行）", "Preview (first {n} rows)"),
    "import.check": ("第 2 步：检查所有行", "Step 2: check every row"),
    "import.checking": ("正在检查并脱敏…", "Checking and redacting…"),
    "import.summary_rows": ("文件中的行", "Rows in the file"),
    "import.summary_accepted": ("可以导入", "Ready to import"),
    "import.summary_rejected": ("被拒绝", "Rejected"),
    "import.summary_pii": ("已脱敏的个人信息", "Personal data redacted"),
    "import.report": ("校验报告：被拒绝的行", "Validation report: rejected rows"),
    "import.report_intro": (
        "这些行不会被导入。修正文件后可以再次导入，已导入的行不会重复。",
        "These rows will not be imported. Fix them in the file and import it again; rows already imported are not added twice.",
    ),
    "import.report_download": ("下载校验报告（CSV）", "Download the report (CSV)"),
    "import.report.row": ("行号", "Row"),
    "import.report.column": ("列", "Column"),
    "import.report.reason": ("原因", "Reason"),
    "import.report.value": ("值（已脱敏）", "Value (redacted)"),
    "import.all_good": ("所有行都通过了检查。", "Every row passed the checks."),
    "import.nothing_to_import": (
        "没有可以导入的行。请查看校验报告。",
        "There is no row to import. See the validation report.",
    ),
    "import.run": ("第 3 步：导入 {n} 行", "Step 3: import {n} rows"),
    "import.storing": ("正在保存…", "Storing…"),
    "import.done": (
        "导入完成：新增 {added} 条，{already} 条之前已导入，{rejected} 行被拒绝。",
        "Import finished: {added} added, {already} were imported before, {rejected} rows rejected.",
    ),
    "import.toast": ("已导入 {added} 条反馈。", "{added} feedback items imported."),
    "import.failed": (
        "导入失败，没有保存任何行（产品可能刚被删除）。请刷新页面后重试。",
        "The import failed and no row was stored (the product may have just been deleted). Reload the page and try again.",
    ),
    "import.stale": (
        "对应关系或选项已更改，请重新检查。",
        "The column choice or options changed: check the rows again.",
    ),
    "import.problem.empty_file": ("文件是空的。", "The file is empty."),
    "import.problem.too_large": (
        "文件超过了 {limit_mb} MB 的上限。请拆分成几个文件分别导入。",
        "The file is larger than the {limit_mb} MB limit. Split it into parts and import each.",
    ),
    "import.problem.unsupported_type": (
        "不支持这种文件。请另存为 CSV、XLSX 或 JSONL（旧版 .xls 和加密的工作簿无法读取）。",
        "This kind of file is not supported. Save it as CSV, XLSX or JSONL (old .xls files and encrypted workbooks cannot be read).",
    ),
    "import.problem.undecodable": (
        "无法识别文件的文字编码，它可能不是文本文件。请在 Excel 中另存为“CSV UTF-8”或 XLSX 后再导入。",
        "The file's text encoding cannot be recognised; it may not be a text file. Save it from Excel as “CSV UTF-8” or XLSX and try again.",
    ),
    "import.problem.unreadable": (
        "文件已损坏，或内容与扩展名不符，无法读取。",
        "The file is damaged or does not match its extension, so it cannot be read.",
    ),
    "import.problem.no_rows": (
        "文件中没有数据行（只有表头或全是空行）。",
        "The file has no data rows (only a header, or blank lines).",
    ),
    "import.problem.too_many_rows": (
        "文件超过 {limit} 行的上限，没有读取也没有保存任何内容。请拆分成几个文件分别导入（上限由 RECTIFY_IMPORT_MAX_ROWS 设置）。",
        "The file has more than the {limit} rows allowed; nothing was read or stored. Split it into parts and import each (the limit is set by RECTIFY_IMPORT_MAX_ROWS).",
    ),
    "import.problem.unzipped_too_large": (
        "这个工作簿解压后超过 {limit_mb} MB 的上限，没有打开也没有保存任何内容。请删除多余的工作表或另存为 CSV（上限由 RECTIFY_IMPORT_MAX_UNZIPPED_MB 设置）。",
        "This workbook unpacks to more than the {limit_mb} MB allowed; it was not opened and nothing was stored. Remove unneeded sheets or save it as CSV (the limit is set by RECTIFY_IMPORT_MAX_UNZIPPED_MB).",
    ),
    "import.problem.compressed_too_much": (
        "这个工作簿解压后超过自身大小的 {ratio} 倍（压缩炸弹就是这样），没有打开也没有保存任何内容。如果是正常文件，请另存为 CSV（上限由 RECTIFY_IMPORT_MAX_ZIP_RATIO 设置）。",
        "This workbook unpacks to more than {ratio} times its size, as a zip bomb does; it was not opened and nothing was stored. If it is a genuine file, save it as CSV (the limit is set by RECTIFY_IMPORT_MAX_ZIP_RATIO).",
    ),
    "import.problem.unsafe_xml": (
        "这个工作簿的 XML 中含有实体声明（DOCTYPE/ENTITY）。Excel 从不写入这种内容，而 XXE 和“十亿笑声”攻击依赖它，因此文件被拒绝，没有保存任何内容。请在 Excel 中重新保存后再导入。",
        "This workbook's XML declares entities (DOCTYPE/ENTITY). Excel never writes them and XXE and “billion laughs” attacks rely on them, so the file was refused and nothing was stored. Save it again from Excel and retry.",
    ),
    "import.problem.json_too_deep": (
        "JSON 嵌套层数过深，无法读取，没有保存任何内容。请把每条反馈写成一个不超过几层嵌套的对象。",
        "The JSON is nested too deeply to read; nothing was stored. Write each feedback item as an object nested only a few levels.",
    ),
    "import.problem.no_text_column": (
        "请选择反馈内容所在的列，它是唯一必需的列。",
        "Choose the column that holds the feedback text; it is the one column required.",
    ),
    "import.reason.empty_text": ("内容为空", "The text is empty"),
    "import.reason.text_too_long": (
        "内容过长：{length} 个字符，上限为 {limit}",
        "The text is too long: {length} characters, the limit is {limit}",
    ),
    "import.reason.missing_date": ("时间为空", "The date is empty"),
    "import.reason.bad_date": ("无法识别的时间：{value}", "Not a date that can be read: {value}"),
    "import.reason.date_in_future": (
        "时间在未来：{value}（日和月的顺序对吗？）",
        "The date is in the future: {value} (is the day/month order right?)",
    ),
    "import.reason.bad_rating": ("评分不是数字：{value}", "The rating is not a number: {value}"),
    "import.reason.rating_out_of_range": (
        "评分不在 1–5 之间：{value}",
        "The rating is not between 1 and 5: {value}",
    ),
    "import.reason.bad_severity": (
        "无法识别的严重程度：{value}（应为 1–4、P0–P3 或 低/中/高/紧急）",
        "Not a severity: {value} (use 1-4, P0-P3 or low/medium/high/critical)",
    ),
    "import.reason.field_too_long": (
        "值超过 {limit} 个字符（是否选错了列？）",
        "The value is longer than {limit} characters (is it the right column?)",
    ),
    "import.reason.duplicate_in_file": ("与第 {first_row} 行重复", "Repeats row {first_row}"),
    "import.reason.too_many_cells": (
        "该行有 {cells} 个单元格，但表头只有 {expected} 列（内容中可能有未加引号的逗号）",
        "The row has {cells} cells but the header has {expected} columns (an unquoted comma in the text?)",
    ),
    "import.reason.bad_json": ("这一行不是有效的 JSON 对象", "The line is not a valid JSON object"),
    "import.reason.json_too_deep": (
        "这一行的 JSON 嵌套层数过深，无法读取",
        "The line's JSON is nested too deeply to read",
    ),
    # feedback browser
    "browser.title": ("反馈浏览", "Feedback browser"),
    "browser.no_product": (
        "还没有产品。请先由管理员创建产品，或在概览页加载演示工作区。",
        "No product yet. An admin creates one, or load the demo workspace on the Overview.",
    ),
    "browser.scope": ("产品：{product}，范围：{round}", "Product: {product}, scope: {round}"),
    "browser.filters": ("筛选", "Filters"),
    "browser.channels": ("渠道", "Channels"),
    "browser.categories": ("分类", "Categories"),
    "browser.category.accuracy": ("准确性", "Accuracy"),
    "browser.category.interaction": ("交互体验", "Interaction experience"),
    "browser.category.performance": ("性能", "Performance"),
    "browser.category.other": ("其他", "Other"),
    "browser.category.none": ("未分类", "Not categorised"),
    "browser.date_from": ("起始日期（UTC）", "From (UTC)"),
    "browser.date_to": ("截止日期（UTC，含当天）", "To (UTC, inclusive)"),
    "browser.rating": ("评分", "Rating"),
    "browser.include_unrated": ("包括没有评分的反馈", "Include feedback without a rating"),
    "browser.search": ("搜索内容", "Search the text"),
    "browser.search_help": (
        "不区分大小写，匹配包含所有词语的反馈（以空格分隔）。",
        "Ignores case; finds feedback that contains every word (separated by spaces).",
    ),
    "browser.apply": ("应用筛选", "Apply filters"),
    "browser.bad_range": ("起始日期晚于截止日期。", "The start date is after the end date."),
    "browser.total": ("符合条件", "Matching"),
    "browser.empty": ("没有符合条件的反馈。", "No feedback matches these filters."),
    "browser.page": ("页码（共 {n} 页）", "Page (of {n})"),
    "browser.showing": ("第 {first}–{last} 条，共 {total} 条", "Items {first}-{last} of {total}"),
    "browser.col.created_at": ("时间（{zone}）", "Time ({zone})"),
    "browser.unrated": ("未评分", "not rated"),
    "browser.no_severity": ("无", "none"),
    "browser.col.channel": ("渠道", "Channel"),
    "browser.col.rating": ("评分", "Rating"),
    "browser.col.category": ("分类", "Category"),
    "browser.col.severity": ("严重程度", "Severity"),
    "browser.col.language": ("语言", "Language"),
    "browser.col.text": ("内容（已脱敏）", "Text (redacted)"),
    "browser.col.source_ref": ("来源编号", "Source id"),
    "browser.col.app_version": ("应用版本", "App version"),
    "browser.forget_title": ("删除某位用户的全部数据", "Delete everything of one respondent"),
    "browser.forget_explain": (
        "应数据主体的要求，删除此人在所有产品中的全部反馈和问卷回答，以及由此得出的数据（文本向量、"
        "主题关键词和名称）。可以粘贴原始客户 ID（会先转换为假名）或已存储的假名。审计日志只记录删除的数量，不记录 ID。",
        "On a data-subject request: deletes this person's feedback and questionnaire answers in every product, and "
        "what was derived from them (text embeddings, topic keywords and names). Paste the raw customer id (it is "
        "pseudonymised first) or the stored pseudonym. The audit log records the counts, never the id.",
    ),
    "browser.forget_key": ("客户 ID 或假名", "Customer id or pseudonym"),
    "browser.forget_find": ("查找", "Find"),
    "browser.forget_empty": ("请输入客户 ID 或假名。", "Enter a customer id or pseudonym."),
    "browser.forget_none": ("没有找到此 ID 的任何数据。", "Nothing is stored under this id."),
    "browser.forget_found": (
        "找到 {feedback} 条反馈和 {responses} 份问卷回答。删除后无法恢复。",
        "Found {feedback} feedback items and {responses} questionnaire responses. Deleting cannot be undone.",
    ),
    "browser.forget_confirm": (
        "我确认要永久删除这些数据",
        "I confirm that these data are to be deleted for good",
    ),
    "browser.forget_delete": ("永久删除", "Delete for good"),
    "browser.forget_unconfirmed": ("请先勾选确认框。", "Tick the confirmation box first."),
    "browser.forget_done": (
        "已删除 {feedback} 条反馈和 {responses} 份问卷回答。",
        "Deleted {feedback} feedback items and {responses} questionnaire responses.",
    ),
    "browser.forget_derived": (
        "同时删除了 {embeddings} 个文本向量；{described} 个主题的关键词、名称和规模已根据剩余反馈重新计算，"
        "{dropped} 个只含此人反馈的主题已删除。数据库文件已重写，已删除的数据无法从中恢复。"
        "主题的分组保持不变，下次分析可能会略有不同。",
        "Also deleted {embeddings} text embeddings; the keywords, names and sizes of {described} topics were "
        "computed again from the remaining feedback, and {dropped} topics that held only this person's feedback "
        "were removed. The database files were rewritten, so the deleted data cannot be recovered from them. "
        "The topics' grouping stays as it was; the next analysis may group slightly differently.",
    ),
    "browser.forget_not_rewritten": (
        "另一个进程正在使用数据库，数据库文件暂时无法完全重写：已删除的数据可能仍留在文件的空闲空间中，"
        "直到下一次整理（PostgreSQL：VACUUM FULL；SQLite：下一次检查点和 VACUUM）。",
        "Another process was using the database, so its files could not be fully rewritten yet: the deleted "
        "data may remain in the files' unused space until the next clean-up (PostgreSQL: VACUUM FULL; SQLite: "
        "the next checkpoint and VACUUM).",
    ),
}
