"""End to end in a real headless Chromium (Debian's, driven by Playwright; no browser download):
first run -> create the admin -> switch to Chinese -> load the demo -> the home page's figures ->
the round's rectification items -> build a survey with a multiple-choice question, preview it in both
languages, open a wave -> a respondent answers it on a phone. And a team lead's survey imports: a product
made on the admin page -> Qualtrics and 问卷星 exports, baseline and follow-up, imported as waves (English,
then Chinese) -> the before/after page on them -> the review deck downloaded and read back."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import ROOT
from tests.serverhelpers import running_server

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


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    """A real `streamlit run server.py` (app.py with its session routes) on an empty SQLite file."""
    with running_server(tmp_path) as url:
        yield url


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


def test_a_sign_in_survives_reloads_and_deep_links_until_logout(app_url: str, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 10: sign in, reload, still signed in on the same typed page; logout, reload, signed out."""
    from playwright.sync_api import expect

    from db.engine import make_engine, unit_of_work
    from db.users import create_user

    page.set_default_timeout(60_000)
    expect.set_options(timeout=60_000)
    page.goto(app_url)
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_label("Confirm password").fill("correct horse battery")
    page.get_by_role("button", name="Create admin").click()
    expect(page.get_by_text("Signed in as ada (admin)")).to_be_visible()
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "rectify_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > time.time() + 3600

    # A typed address opens that page, and a reload keeps both the sign-in and the page.
    page.goto(f"{app_url}/admin")
    expect(page.get_by_role("tab", name="Audit log")).to_be_visible()
    page.reload()
    expect(page.get_by_text("Signed in as ada (admin)")).to_be_visible()
    expect(page.get_by_role("tab", name="Audit log")).to_be_visible()
    assert page.url.split("?")[0] == f"{app_url}/admin"

    # Logout ends it: a reload and the typed address ask for a login, on the page asked for.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("Log in to Rectify")).to_be_visible()
    page.reload()
    expect(page.get_by_text("Log in to Rectify")).to_be_visible()
    page.goto(f"{app_url}/admin")
    expect(page.get_by_text("Log in to Rectify")).to_be_visible()
    assert not page.get_by_text("Page not found").is_visible()
    engine = make_engine(f"sqlite:///{tmp_path / 'rectify.db'}")
    with unit_of_work(engine) as session:
        create_user(session, "vic", "correct horse battery", "viewer", actor="ada")
    engine.dispose()
    page.get_by_label("Username").fill("vic")
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    # A viewer on the admin address: told, in the page's language, and still signed in.
    expect(page.get_by_text("Your role does not have access to this page.")).to_be_visible()
    expect(page.get_by_text("Signed in as vic (viewer)")).to_be_visible()
    page.reload()
    expect(page.get_by_text("Signed in as vic (viewer)")).to_be_visible()
    # The page is drawn (not just the sidebar) before the switch is pressed, or it reruns the default.
    expect(page.get_by_text("Your role does not have access to this page.")).to_be_visible()
    page.get_by_role("radio", name="中文").click()
    expect(page.get_by_text("您的角色无权访问此页面。")).to_be_visible()


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
    page.get_by_role("radio", name="中文").click()  # the chosen language again: it stays highlighted
    page.wait_for_timeout(1000)
    expect(page.get_by_role("radio", name="中文")).to_have_attribute("aria-checked", "true")
    expect(page.get_by_text("已登录：ada（管理员）")).to_be_visible()
    # Only the admin sees the admin page in the navigation; the language holds across pages.
    page.get_by_role("link", name="账号与工作区", exact=True).click()
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
    # What to do now: the overdue items, the change since the previous wave, the top pain points.
    expect(page.get_by_text("现在该做什么")).to_be_visible()
    expect(page.get_by_text("3 个整改事项已逾期")).to_be_visible()
    expect(page.get_by_text("与上一批次相比")).to_be_visible()
    expect(page.get_by_text("显著提升").first).to_be_visible()
    expect(page.get_by_text("最该先解决的三个痛点")).to_be_visible()
    # The round's name shows whole in the sidebar's picker, not cut off.
    picked = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="整改轮次")
    expect(page.get_by_role("combobox", name="整改轮次")).to_be_visible()
    assert picked.evaluate(
        "el => [...el.querySelectorAll('*')].every(e => e.scrollWidth <= e.clientWidth + 1)"
    ), "the round's name is cut off in the picker"
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

    # An overdue item on the overview is a link that opens that very item.
    page.get_by_role("link", name="概览", exact=True).click()
    page.get_by_role("link", name="#6 高峰期响应提速").click()
    expect(page.get_by_role("heading", name="#6 高峰期响应提速")).to_be_visible()
    expect(page.get_by_text("已过截止日期 2026-11-20")).to_be_visible()

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


EXPORTS = ROOT / "tests" / "data" / "survey_exports"


def _sign_up(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    """The first-run admin, signed in, on a fresh app."""
    from playwright.sync_api import expect

    page.set_default_timeout(60_000)
    expect.set_options(timeout=60_000)
    page.goto(app_url)
    expect(page.get_by_text("Welcome to Rectify")).to_be_visible()
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_label("Confirm password").fill("correct horse battery")
    page.get_by_role("button", name="Create admin").click()
    expect(page.get_by_text("Signed in as lead (admin)")).to_be_visible()


def _pick(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    """Choose an option of the select box of that label (Streamlit's own combobox).

    A rerun that lands while the list is open closes it: then the box is opened again (three tries).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    box = page.locator('[data-testid="stMain"]').get_by_role("combobox", name=label, exact=True)
    for attempt in range(3):
        _settled(page)
        box.click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=15_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    expect(box).to_have_value(option)


def _chosen(page) -> list[str]:  # type: ignore[no-untyped-def]
    """What every select box of the page shows."""
    boxes = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"] input[role="combobox"]')
    return [b.input_value() for b in boxes.all()]


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """A screenshot of the whole page: Streamlit scrolls its main area, not the document, so the window
    is made as tall as the page for it (and put back)."""
    size = page.viewport_size
    height = page.locator('[data-testid="stMain"]').evaluate("e => e.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], int(height))})
    page.wait_for_timeout(800)  # let the charts draw at the new size
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size(size)


def _settled(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit's rerun is over (its status widget gone)."""
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0)


def _import_wave(  # type: ignore[no-untyped-def]
    page, *, survey: str | None, kind: str, wave: str, collected: str, done: str
) -> None:
    """The uploaded export into a new survey (named) or the survey proposed, as a new wave; Import."""
    from playwright.sync_api import expect

    main = page.locator('[data-testid="stMain"]')
    if survey is not None:
        new = main.get_by_role("radio", name=re.compile("made from the file|用文件中的题目新建问卷"))
        if not new.is_checked():
            main.get_by_text(
                re.compile("^(A new survey made from the file's questions|用文件中的题目新建问卷)$")
            ).click()
            expect(new).to_be_checked()
        _settled(page)  # the new-survey fields are drawn by the rerun the radio started
        name = main.get_by_label(re.compile(r"^(Name of the new survey|新问卷名称)$"))
        name.fill(survey)
        name.press("Enter")
        _settled(page)
        expect(name).to_have_value(survey)
    wave_name = main.get_by_label(re.compile(r"^(Wave name \(optional\)|批次名称（可选）)$"))
    wave_name.fill(wave)
    wave_name.press("Enter")
    _settled(page)
    _pick(page, "Kind" if page.get_by_role("radio", name="English").is_checked() else "批次类型", kind)
    # The date field is three spin buttons (year, month, day), typed into as a user does.
    label = "Collected on" if page.get_by_role("radio", name="English").is_checked() else "收集日期"
    for part, value in zip(("year", "month", "day"), collected.split("/"), strict=True):
        main.get_by_role("spinbutton", name=f"{part}, {label}").click()
        page.keyboard.type(value)
    main.get_by_role("spinbutton", name=f"day, {label}").press("Enter")
    _settled(page)
    for part, value in zip(("year", "month", "day"), collected.split("/"), strict=True):
        expect(main.get_by_role("spinbutton", name=f"{part}, {label}")).to_have_text(value)
    main.get_by_role("button", name=re.compile(r"^(Import|导入)$")).click()
    expect(main.get_by_text(done, exact=True)).to_be_visible()


def test_team_lead_imports_survey_exports_and_compares_them(app_url: str, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    _sign_up(page, app_url)
    main = page.locator('[data-testid="stMain"]')
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    # A product with its first round, made on the admin page (quicker than the demo, and the
    # before/after page then holds only the imported waves).
    page.get_by_role("link", name="Accounts and workspaces", exact=True).click()
    main.get_by_role("tab", name="Products and rounds").click()
    main.get_by_label("Product name").fill("MediAssist")
    main.get_by_role("button", name="Create product").click()
    expect(main.get_by_text("Product MediAssist created.")).to_be_visible()

    # Qualtrics, in English: the baseline as a new survey, the follow-up into it, matched by wording.
    page.get_by_role("link", name="Import survey responses", exact=True).click()
    expect(main.get_by_text("Survey export", exact=True)).to_be_visible()
    main.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        str(EXPORTS / "qualtrics_baseline.csv")
    )
    expect(main.get_by_text("Recognised as a Qualtrics export: 45 respondents, 8 questions.")).to_be_visible()
    id_column = main.get_by_role("combobox", name="Respondent id column")
    expect(id_column).to_have_value("ExternalReference")
    _import_wave(
        page,
        survey="Assistant satisfaction",
        kind="baseline",
        wave="Qualtrics May 2026",
        collected="2026/05/20",
        done="45 responses imported; the wave now has 45.",
    )
    expect(
        main.get_by_text("14 free-text answers were redacted and stored as survey comments.")
    ).to_be_visible()

    main.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        str(EXPORTS / "qualtrics_followup.csv")
    )
    expect(main.get_by_text("Recognised as a Qualtrics export: 42 respondents, 8 questions.")).to_be_visible()
    expect(main.get_by_role("radio", name="An existing survey")).to_be_checked()
    expect(main.get_by_role("combobox", name="Survey", exact=True)).to_have_value("Assistant satisfaction")
    # Every question of the survey found in the file by its wording.
    expect(main.get_by_text("Questions were matched to the file by their wording")).to_be_visible()
    assert "(not in the file)" not in _chosen(page)
    expect(id_column).to_have_value("ExternalReference")
    _import_wave(
        page,
        survey=None,
        kind="follow-up",
        wave="Qualtrics June 2026",
        collected="2026/06/20",
        done="42 responses imported; the wave now has 42.",
    )
    _shot(page, "import_survey_en.png")

    # 问卷星 (GBK), in Chinese: a second survey, the same way.
    page.get_by_role("radio", name="中文").click()
    expect(page.get_by_text("已登录：lead（管理员）")).to_be_visible()
    main.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        str(EXPORTS / "wjx_baseline.csv")
    )
    expect(main.get_by_text("已识别为问卷星导出：45 位受访者，8 道题。")).to_be_visible()
    _import_wave(
        page,
        survey="问卷星满意度",
        kind="基线",
        wave="问卷星 五月",
        collected="2026/05/21",
        done="已导入 45 份回答；此批次现有 45 份回答。",
    )
    expect(main.get_by_role("combobox", name="受访者 ID 列")).to_have_value("1、您的用户ID：")
    main.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        str(EXPORTS / "wjx_followup.csv")
    )
    expect(main.get_by_text("已识别为问卷星导出：42 位受访者")).to_be_visible()
    expect(main.get_by_role("radio", name="已有问卷")).to_be_checked()
    expect(main.get_by_role("combobox", name="问卷", exact=True)).to_have_value("问卷星满意度")
    assert "（文件中没有）" not in _chosen(page)
    _import_wave(
        page,
        survey=None,
        kind="复测",
        wave="问卷星 六月",
        collected="2026/06/21",
        done="已导入 42 份回答；此批次现有 42 份回答。",
    )
    _shot(page, "import_survey_zh.png")

    _compare_imported_waves(page, tmp_path)


def _alerts(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The texts of the page's success and info boxes (the verdicts among them), icons left out."""
    boxes = page.locator('[data-testid="stMain"] [data-testid="stAlert"] [data-testid="stMarkdownContainer"]')
    return [" ".join(b.split()) for b in boxes.all_inner_texts()]


def _compare_imported_waves(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The before/after page on the imported waves, English then Chinese, and the review deck."""
    from playwright.sync_api import expect
    from pptx import Presentation

    main = page.locator('[data-testid="stMain"]')
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("radio", name="English").click()
    page.get_by_role("link", name="Before / after", exact=True).click()
    _pick(page, "Baseline wave", "Qualtrics May 2026 (baseline, 45 respondents)")
    _pick(page, "Follow-up wave", "Qualtrics June 2026 (follow-up, 42 respondents)")
    main.get_by_role("button", name="Compare").click()
    expect(main.get_by_text("Paired: 27 respondents answered both waves").first).to_be_visible()
    success = main.locator('[data-testid="stAlertContentSuccess"] [data-testid="stMarkdownContainer"]')
    expect(success.filter(has_text=re.compile(r"^Accuracy improved significantly"))).to_have_count(1)
    expect(
        main.locator('[data-testid="stAlert"]').filter(has_text="Was your problem solved this time?")
    ).not_to_have_count(0)
    options = main.locator('[data-testid="stExpander"]').filter(has_text="Which features have you used?")
    options.get_by_text(
        "Which features have you used? Select all that apply: each option", exact=True
    ).click()
    expect(options.get_by_text("Medication lookup").first).to_be_visible()
    families = main.locator('[data-testid="stExpander"]').filter(
        has_text="Questions tested together (families)"
    )
    families.get_by_text("Questions tested together (families)").click()
    expect(families.get_by_text("Accuracy", exact=True).first).to_be_visible()  # the family, by dimension
    _settled(page)
    verdicts = _alerts(page)
    _shot(page, "before_after_en.png")

    # The review deck: built, downloaded, read back.
    main.get_by_role("button", name="Build the deck and chart images").click()
    deck_button = main.get_by_role("button", name="Deck (PPTX)")
    with page.expect_download() as download:
        deck_button.click()
    deck_path = tmp_path / download.value.suggested_filename
    download.value.save_as(deck_path)
    deck = Presentation(str(deck_path))
    deck_text = " ".join(
        " ".join(
            [s.text_frame.text for slide in deck.slides for s in slide.shapes if s.has_text_frame]
            + [
                c.text
                for slide in deck.slides
                for s in slide.shapes
                if s.has_table
                for row in s.table.rows
                for c in row.cells
            ]
        ).split()
    )
    assert "Insurance claims help" in deck_text and "Was your problem solved this time?" in deck_text
    # Every verdict the page shows (those of the options opened above), word for word in the deck.
    said = [v for v in verdicts if re.search(r"p [<=] [\d.]+\.$", v)]
    assert any(v.startswith("Accuracy improved significantly") for v in said), said
    assert any(v.startswith("Was your problem solved this time?") for v in said), said
    assert any(v.startswith("Which features have you used?") for v in said), said
    assert [v for v in said if v not in deck_text] == []
    if shutil.which("soffice"):
        _render_deck(deck_path, tmp_path)

    # 问卷星's waves, in Chinese.
    page.get_by_role("radio", name="中文").click()
    expect(main.get_by_role("heading", name="整改前后对比")).to_be_visible()
    _pick(page, "基线批次", "问卷星 五月（基线，45 人）")
    _pick(page, "复测批次", "问卷星 六月（复测，42 人）")
    main.get_by_role("button", name="比较").click()
    expect(main.get_by_text("配对分析：27 名受访者").first).to_be_visible()
    expect(
        main.locator('[data-testid="stAlertContentSuccess"] [data-testid="stMarkdownContainer"]').filter(
            has_text=re.compile(r"^准确性显著提升")
        )
    ).to_have_count(1)
    expect(main.get_by_text("您使用过哪些功能：各选项", exact=True)).to_be_visible()
    _settled(page)
    _shot(page, "before_after_zh.png")


def _render_deck(deck_path: Path, tmp_path: Path) -> None:
    """The deck as LibreOffice draws it, a PDF and a PNG per slide in artifacts/e2e/, for a human to look at."""
    from pptx import Presentation

    profile = f"-env:UserInstallation=file://{tmp_path / 'libreoffice'}"
    soffice = [str(shutil.which("soffice")), profile, "--headless", "--convert-to"]
    subprocess.run(
        [*soffice, "pdf", "--outdir", str(ARTIFACTS), str(deck_path)],
        check=True,
        timeout=180,
        capture_output=True,
    )
    (ARTIFACTS / deck_path.with_suffix(".pdf").name).replace(ARTIFACTS / "review_deck_en.pdf")
    # PNG export draws a presentation's first slide only: one single-slide copy per slide.
    slides = []
    for i in range(len(Presentation(str(deck_path)).slides)):
        one = Presentation(str(deck_path))
        ids = one.slides._sldIdLst  # noqa: SLF001 (python-pptx has no public way to drop a slide)
        for n, slide_id in enumerate(list(ids)):
            if n != i:
                ids.remove(slide_id)
        slides.append(tmp_path / f"review_deck_en_slide{i + 1:02d}.pptx")
        one.save(str(slides[-1]))
    subprocess.run(
        [*soffice, "png", "--outdir", str(ARTIFACTS), *map(str, slides)],
        check=True,
        timeout=300,
        capture_output=True,
    )
