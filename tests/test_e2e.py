"""End to end in a real headless Chromium (Debian's, driven by Playwright; no browser download):
first run -> create the admin -> switch to Chinese -> load the demo -> the home page's figures ->
the round's rectification items -> build a survey with a multiple-choice question, preview it in both
languages, open a wave -> a respondent answers it on a phone."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "artifacts" / "e2e"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    """A real `streamlit run app.py` on an empty SQLite file."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'rectify.db'}"}
    log = (tmp_path / "streamlit.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("streamlit did not start:\n" + (tmp_path / "streamlit.log").read_text())
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.fixture
def page(tmp_path: Path):  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `apt-get install -y chromium fonts-noto-cjk` (.ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000})
        yield context.new_page()
        browser.close()


def test_first_run_to_demo_home_in_chinese(app_url: str, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.set_default_timeout(60_000)
    # Assertions wait as long as actions: a fresh server on a busy 2-core machine took 6.5 s to draw.
    expect.set_options(timeout=60_000)
    page.goto(app_url)
    expect(page.get_by_text("Welcome to Rectify")).to_be_visible()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_label("Confirm password").fill("correct horse battery")
    page.get_by_role("button", name="Create admin").click()
    expect(page.get_by_text("Signed in as ada (admin)")).to_be_visible()

    page.get_by_role("radio", name="中文").click()
    expect(page.get_by_text("已登录：ada（管理员）")).to_be_visible()
    # Only the admin sees the admin page in the navigation; the language holds across pages.
    page.get_by_role("link", name="管理", exact=True).click()
    expect(page.get_by_role("tab", name="审计日志")).to_be_visible()
    expect(page.get_by_role("radio", name="中文")).to_have_attribute("aria-checked", "true")
    page.get_by_role("link", name="概览", exact=True).click()

    page.get_by_role("button", name="加载演示工作区").click()
    # The demo comes analysed (its items tied to topics): a minute or two in a fresh server.
    expect(page.get_by_text("反馈数量")).to_be_visible(timeout=300_000)
    expect(page.get_by_text("最新满意度")).to_be_visible()
    total = (
        page.locator('[data-testid="stMetric"]')
        .filter(has_text="全部")
        .locator('[data-testid="stMetricValue"]')
    )
    # The newest round of the demo is selected first: its feedback, well over a thousand items.
    expect(page.get_by_text("范围：2026 Q3 整改")).to_be_visible()
    assert int(re.sub(r"\D", "", total.inner_text())) >= 1000
    expect(page.get_by_text("准确性").first).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1500)  # let the chart finish drawing
    page.screenshot(path=str(ARTIFACTS / "home_zh.png"), full_page=True)

    # The round's rectification items: owners, statuses, and the item carried over from round 1.
    page.get_by_role("link", name="整改事项", exact=True).click()
    expect(page.get_by_text("由上一轮的事项")).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="待处理/进行中")).to_contain_text("3")
    # The rule for "verified" is stated beside the evidence.
    expect(page.get_by_text("验证规则")).to_be_visible()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "items_zh.png"), full_page=True)

    _build_preview_and_answer_on_a_phone(page, app_url, tmp_path)


def _build_preview_and_answer_on_a_phone(page, app_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The survey builder in Chinese, then the respondent's link on a 390x844 phone."""
    from playwright.sync_api import expect

    main = page.locator('[data-testid="stMain"]')
    page.get_by_role("link", name="问卷管理", exact=True).click()
    expect(page.get_by_role("heading", name="问卷管理")).to_be_visible()
    # A new, empty survey (the demo's survey is there already, so the section starts closed).
    main.get_by_text("新建问卷", exact=True).click()
    main.get_by_text("空白问卷", exact=True).click()
    main.get_by_label("问卷名称", exact=True).fill("手机调查")
    main.get_by_role("button", name="创建问卷").click()
    expect(main.get_by_text("已创建问卷 手机调查。")).to_be_visible()
    expect(main.get_by_text("这份问卷还没有问题").first).to_be_visible()

    # One multiple-choice question, worded in both languages, options one per line.
    main.get_by_role("tab", name="添加问题").click()
    main.get_by_text("新问题", exact=True).click()
    main.get_by_label("问题类型").click()
    page.get_by_role("option", name="多选").click()
    # The multiple-choice form replaces the first kind's in place: wait until the old one's last
    # fields (drawn faded while the page reruns) are gone.
    add = main.get_by_role("button", name="添加问题").filter(visible=True)
    expect(main.locator("textarea[aria-label='选项（中文，每行一个）']:visible")).to_be_visible()
    expect(add).to_have_count(1)
    main.locator("textarea[aria-label='中文措辞']:visible").fill("您主要用它做什么？")
    main.locator("textarea[aria-label='英文措辞']:visible").fill("What do you mainly use it for?")
    main.locator("textarea[aria-label='选项（中文，每行一个）']:visible").fill("查询用药\n写病历\n翻译")
    main.locator("textarea[aria-label='选项（英文，每行一个，与中文逐行对应）']:visible").fill(
        "Drug look-ups\nWriting records\nTranslation"
    )
    add.click()
    expect(main.get_by_text("已添加问题 q。")).to_be_visible()

    # The question list, and the question's own section with its editor.
    main.get_by_role("tab", name="问题", exact=True).click()
    main.get_by_text("q · 您主要用它做什么？").click()
    expect(main.locator("textarea[aria-label='英文措辞']:visible")).to_have_value(
        "What do you mainly use it for?"
    )
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "survey_builder_zh.png"), full_page=True)

    # The preview as a respondent sees it, in Chinese and in English.
    main.get_by_role("tab", name="预览").click()
    expect(main.get_by_text("您主要用它做什么？ *")).to_be_visible()
    expect(main.get_by_role("button", name="写病历")).to_be_disabled()
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "survey_preview_zh.png"), full_page=True)
    main.get_by_role("radio", name="English").click()
    expect(main.get_by_role("button", name="Writing records")).to_be_visible()
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "survey_preview_en.png"), full_page=True)

    # A wave of it, and its respondent link.
    main.get_by_role("button", name="开启批次").click()
    expect(main.get_by_text("已开启批次")).to_be_visible()
    link = main.locator('[data-testid="stCode"]').filter(has_text="questionnaire?wave=").first.inner_text()
    wave = re.search(r"wave=(\d+)", link)
    assert wave, link

    # The respondent, on a phone: the link with their key, in Chinese.
    phone = page.context.browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    respondent = phone.new_page()
    respondent.set_default_timeout(60_000)
    respondent.goto(f"{app_url}/questionnaire?wave={wave.group(1)}&key=phone-user-1")
    expect(respondent.get_by_text("您主要用它做什么？ *")).to_be_visible()
    respondent.get_by_role("button", name="查询用药").click()
    respondent.get_by_role("button", name="翻译").click()
    respondent.wait_for_timeout(500)
    respondent.screenshot(path=str(ARTIFACTS / "survey_phone_form_zh.png"), full_page=True)
    respondent.get_by_role("button", name="提交").click()
    expect(respondent.get_by_text("谢谢！您的回答已保存。")).to_be_visible()
    respondent.screenshot(path=str(ARTIFACTS / "survey_phone_thanks_zh.png"), full_page=True)
    phone.close()

    engine = create_engine(f"sqlite:///{tmp_path / 'rectify.db'}")
    with engine.connect() as conn:
        stored = (
            conn.execute(
                text(
                    "SELECT a.value_text FROM answers a JOIN responses r ON r.id = a.response_id "
                    "WHERE r.wave_id = :wave"
                ),
                {"wave": int(wave.group(1))},
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert stored == ["[1, 3]"]
