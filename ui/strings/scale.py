"""Strings of the large-corpus path of the pain-points page (services.scale, jobs.topics)."""

STRINGS: dict[str, tuple[str, str]] = {
    "scale.too_large": (
        "这个范围有 {n} 条反馈，达到了批处理的阈值（{limit} 条）。在浏览器里分析要等很久：请在服务器上运行下面的批处理任务"
        "（在工作进程上编码，在分层样本上拟合主题，再把其余反馈归入主题），完成后刷新本页即可打开结果。",
        "This scope holds {n} feedback items, at or above the batch threshold ({limit}). Analysing it in the "
        "browser would take long: run the batch job below on the server (encoding on workers, topics fitted "
        "on a stratified sample, every other item placed in them), then reload this page to open the run.",
    ),
    "scale.refit_batch": (
        "新反馈已超过拟合量的 {share}，但这个范围太大（{n} 条），不在浏览器里自动重新拟合。请运行批处理任务：",
        "The feedback since the fit exceeds {share} of what was fitted, but this scope is too large ({n} items) "
        "to refit in the browser by itself. Run the batch job:",
    ),
    "scale.sampled": (
        "主题在 {sample} 条的分层样本（按渠道、语言、月份）上拟合，其余 {rest} 条按最近的主题中心归入。",
        "Topics were fitted on a stratified sample of {sample} items (by channel, language and month); the "
        "other {rest} were placed at their nearest topic.",
    ),
}
