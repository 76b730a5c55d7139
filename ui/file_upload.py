"""A file uploader that speaks the page's language.

Streamlit draws its uploader's button ("Upload") and limits ("200MB per file • CSV, ...") in English,
with no option to change them. On a Chinese page this uploader's own copies are hidden by CSS, scoped
to its key, and the same facts drawn in Chinese in their place.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from ui.i18n import current_language, t


def file_uploader(
    label: str, types: Sequence[str], key: str, limit_mb: int | None = None
) -> UploadedFile | None:
    """One file of these types (extensions without the dot), labelled `label`.

    Args:
        label: The uploader's label.
        types: The file name extensions it takes, without the dot.
        key: Its widget key (also scopes its Chinese CSS).
        limit_mb: The largest file in MB; None: the server's limit (server.maxUploadSize).

    Returns:
        The uploaded file, or None while there is none.
    """
    uploaded = st.file_uploader(label, type=list(types), key=key, max_upload_size=limit_mb)
    if current_language() == "zh":
        limit = limit_mb if limit_mb is not None else int(st.get_option("server.maxUploadSize"))
        st.html(_chinese_css(key, types, limit))
    return uploaded


def _chinese_css(key: str, types: Sequence[str], limit_mb: int) -> str:
    scope = f".st-key-{key} [data-testid='stFileUploaderDropzone']"
    limits = t("upload.limits", n=limit_mb, types="、".join(kind.upper() for kind in types))
    return (
        "<style>"
        f"{scope} > span button [data-testid='stMarkdownContainer'] {{display: none}}"
        f"{scope} > span button > div::after {{content: '{t('upload.button')}'}}"
        f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] > div > span {{display: none}}"
        f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] > div::after {{content: '{limits}'; font-size: 0.875rem}}"
        "</style>"
    )
