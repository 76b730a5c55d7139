"""Strings of the Admin page's API keys tab."""

STRINGS: dict[str, tuple[str, str]] = {
    "apikeys.tab": ("API 密钥", "API keys"),
    "apikeys.explain": (
        "产品通过 HTTP API（`/api/v1/feedback`、`/api/v1/responses`）提交反馈和问卷回答时使用的密钥。"
        "每个密钥只属于一个产品；只保存其哈希值，创建后仅显示一次。",
        "Keys a product uses to send feedback and questionnaire answers through the HTTP API "
        "(`/api/v1/feedback`, `/api/v1/responses`). Each key belongs to one product; only its hash is "
        "kept, and it is shown once, when it is made.",
    ),
    "apikeys.new": ("新建密钥", "New key"),
    "apikeys.product": ("产品", "Product"),
    "apikeys.scopes": ("权限", "Scopes"),
    "apikeys.name": ("备注（可选）", "Label (optional)"),
    "apikeys.label": ("备注", "Label"),
    "apikeys.create": ("创建密钥", "Create key"),
    "apikeys.created": (
        "密钥已创建。请现在复制：离开或刷新本页后将无法再次查看。",
        "Key created. Copy it now: it cannot be shown again once you leave or reload this page.",
    ),
    "apikeys.no_products": (
        "请先在“产品与轮次”中创建产品。",
        "Create a product first, under Products and rounds.",
    ),
    "apikeys.prefix": ("前缀", "Prefix"),
    "apikeys.created_at": ("创建时间", "Created"),
    "apikeys.created_by": ("创建人", "Created by"),
    "apikeys.last_used": ("最近使用", "Last used"),
    "apikeys.revoked_at": ("吊销时间", "Revoked"),
    "apikeys.none": ("还没有 API 密钥。", "No API keys yet."),
    "apikeys.revoke_title": ("吊销密钥", "Revoke a key"),
    "apikeys.revoke_pick": ("密钥", "Key"),
    "apikeys.revoke": ("吊销", "Revoke"),
    "apikeys.revoke_confirm": (
        "我确认：使用此密钥的请求将立即被拒绝",
        "I understand: requests with this key are refused from now on",
    ),
    "apikeys.revoke_unconfirmed": ("请先勾选确认。", "Tick the confirmation first."),
    "apikeys.revoked": ("已吊销密钥 {prefix}…。", "Key {prefix}… revoked."),
    "apikeys.error.scopes_empty": ("请至少选择一项权限。", "Choose at least one scope."),
    "apikeys.error.scope_unknown": ("未知的权限。", "Unknown scope."),
    "apikeys.error.product_unknown": ("找不到该产品。", "No such product."),
    "apikeys.error.key_unknown": ("找不到该密钥。", "No such key."),
    "apikeys.scope.feedback:write": ("提交反馈", "send feedback"),
    "apikeys.scope.responses:write": ("提交问卷回答", "send questionnaire answers"),
    "apikeys.scope.read": ("读取", "read"),
}
