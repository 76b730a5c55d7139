"""End to end in a real headless Chromium: a respondent on a 390x844 phone, in Chinese and English,
through the pages the product embeds; and the staff member who hands out the links (issue 10).

Screenshots go to artifacts/e2e/respondent_*.png.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from db import migrate
from db.engine import make_engine, unit_of_work
from db.models import Answer, Response
from db.surveys import create_survey_from_template, open_wave
from db.users import create_user
from db.workspace import create_product, create_round
from tests.test_e2e import ARTIFACTS, _settled, _shot, app_url, page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"
# Streamlit's own English that must not reach a Chinese respondent (its toolbar and forms).
ENGLISH_UI = ("Press", "Ctrl", "Enter to", "Drag and drop", "Browse files", "Log in", "Deploy", "keyboard_")
REQUIRED = ("回答的准确性如何？", "使用起来是否方便？", "响应速度如何？", "它解决了我的问题。", "总体满意度")


def _seed(url: str) -> int:
    """A staff account, a product with a round, the standard questionnaire and an open wave."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        create_user(session, "ada", PASSWORD, "admin", actor="test")
        product = create_product(session, "MediAssist", "medical")
        rnd = create_round(session, product.id, "Round 1")
        survey = create_survey_from_template(session, product.id, "Satisfaction")
        wave_id = open_wave(session, survey.id, rnd.id, "baseline", "Before").id
    engine.dispose()
    return wave_id


def _question(tab, wording: str):  # type: ignore[no-untyped-def]
    return tab.locator('[data-testid="stRadio"]').filter(has_text=wording)


def _choose(tab, wording: str, value: str) -> None:  # type: ignore[no-untyped-def]
    _question(tab, wording).locator('[data-testid="stRadioOption"]').filter(
        has_text=re.compile(rf"^{value}\b")
    ).first.click()


def _rows_of(radio) -> int:  # type: ignore[no-untyped-def]
    """On how many lines the options of a radio question are drawn."""
    tops = radio.locator('[data-testid="stRadioOption"]').evaluate_all(
        "options => options.map(o => Math.round(o.getBoundingClientRect().top))"
    )
    return len(set(tops))


def _visible_text(tab) -> str:  # type: ignore[no-untyped-def]
    return str(tab.locator("body").inner_text())


def _no_staff_chrome(tab) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    expect(tab.locator('[data-testid="stSidebar"]')).to_have_count(0)
    expect(tab.locator('[data-testid="stExpandSidebarButton"]')).to_have_count(0)
    expect(tab.locator('[data-testid="stSidebarCollapsedControl"]')).to_have_count(0)
    expect(tab.get_by_role("link", name=re.compile("登录|Log in"))).to_have_count(0)


def test_a_respondent_on_a_phone(app_url: str, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    wave_id = _seed(url)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=60_000)
    phone = page.context.browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    me = phone.new_page()
    me.set_default_timeout(60_000)

    # Embedded in the product, in Chinese: no staff navigation, no login link, fitting scale words.
    me.goto(f"{app_url}/questionnaire?wave={wave_id}&key=phone-1&lang=zh&embed=true")
    expect(me.get_by_text("MediAssist 满意度调查")).to_be_visible()
    _no_staff_chrome(me)
    expect(_question(me, "它解决了我的问题。")).to_contain_text("非常同意")
    expect(_question(me, "总体满意度")).to_contain_text("非常满意")
    expect(_question(me, "它解决了我的问题。")).not_to_contain_text("很好")
    # On the phone the worded points stack, one a line; the 0-10 digits stay side by side.
    assert _rows_of(_question(me, "它解决了我的问题。")) == 5
    assert _rows_of(_question(me, "您有多大可能向朋友或同事推荐？")) <= 2

    # Everything but one required question, and a comment with a phone number (typed: the form's
    # own hints would show now).
    for wording in REQUIRED:
        if wording != "响应速度如何？":
            _choose(me, wording, "4")
    _choose(me, "您有多大可能向朋友或同事推荐？", "9")
    comment = me.locator("textarea")
    comment.fill("回答太慢，请打 13812345678 联系我")
    comment.focus()
    me.wait_for_timeout(500)
    for english in ENGLISH_UI:
        assert english not in _visible_text(me), english
    _shot(me, "respondent_phone_form_zh.png")
    me.get_by_role("button", name="提交").click()

    # The missing answer is marked at its question, and nothing else is lost.
    expect(me.get_by_text("请回答这个必答问题。")).to_have_count(1)
    expect(me.get_by_text("请回答以下必答问题：")).to_be_visible()
    # Its label starts with a red sign.
    marked = me.locator('[data-testid="stRadio"]').filter(
        has=me.locator('[data-testid="stWidgetLabel"] .stMarkdownColoredText')
    )
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text("响应速度如何？")
    expect(marked).to_be_in_viewport()  # brought into view: it is screens above the button
    expect(_question(me, "它解决了我的问题。").locator("input:checked")).to_have_count(1)
    _shot(me, "respondent_phone_missing_zh.png")
    _choose(me, "响应速度如何？", "3")
    me.get_by_role("button", name="提交").click()
    expect(me.get_by_text("谢谢！您的回答已保存。")).to_be_visible()
    expect(me.get_by_text("保存前已删除个人信息：电话号码。")).to_be_visible()

    # Change my answers: the form comes back filled in, the phone number named in Chinese.
    me.get_by_role("button", name="修改我的回答").click()
    expect(me.get_by_text("您已经回答过本问卷。")).to_be_visible()
    expect(me.locator('[data-testid="stRadio"] input:checked')).to_have_count(6)
    expect(_question(me, "响应速度如何？").locator("input:checked")).to_have_value("2")  # option 3
    expect(me.locator("textarea")).to_have_value("回答太慢，请打 [电话号码] 联系我")
    expect(me.get_by_text(re.compile("方括号中的词"))).to_be_visible()
    for english in ENGLISH_UI:
        assert english not in _visible_text(me), english
    _shot(me, "respondent_phone_change_zh.png")
    _choose(me, "总体满意度", "5")
    me.get_by_role("button", name="提交").click()
    expect(me.get_by_text("谢谢！您之前的回答已更新为这次的回答。")).to_be_visible()

    # The wave's anonymous link, in English, opened by a link (not embedded): the page's own language
    # switch, still no staff navigation; the browser answers once and finds its answers again later.
    me.goto(f"{app_url}/questionnaire?wave={wave_id}&anonymous=1&lang=en")
    expect(me.get_by_text("This survey is anonymous")).to_be_visible()
    _no_staff_chrome(me)
    expect(_question(me, "It solved my problem.")).to_contain_text("Strongly agree")
    for wording in ("accurate", "easy", "fast", "It solved my problem.", "Overall"):
        _choose(me, wording, "2")
    _choose(me, "recommend", "5")
    _shot(me, "respondent_phone_anonymous_en.png")
    me.get_by_role("button", name="Submit").click()
    expect(me.get_by_text("Thank you! Your answers were saved.")).to_be_visible()
    me.reload()  # a new session: only the browser's cookie knows it answered
    expect(me.get_by_text("You answered this survey before.")).to_be_visible()
    expect(me.locator('[data-testid="stRadio"] input:checked')).to_have_count(6)
    _shot(me, "respondent_phone_anonymous_again_en.png")
    # The in-app feedback page the product embeds: the same, and the stored comment read in Chinese.
    me.goto(f"{app_url}/feedback?product=MediAssist&key=phone-1&lang=zh&embed=true")
    expect(me.get_by_text("意见反馈")).to_be_visible()
    _no_staff_chrome(me)
    me.locator('[data-testid="stFeedback"] button').nth(1).click()
    comment = me.locator("textarea")
    comment.fill("请回电 13812345678")
    comment.focus()
    me.wait_for_timeout(500)
    for english in ENGLISH_UI:
        assert english not in _visible_text(me), english
    me.get_by_role("button", name="提交").click()
    expect(me.get_by_text("请回电 [电话号码]")).to_be_visible()
    _shot(me, "respondent_phone_feedback_zh.png")
    phone.close()

    engine = make_engine(url)
    with unit_of_work(engine) as session:
        keys = list(session.scalars(select(Response.respondent_key).order_by(Response.id)))
        comments = list(session.scalars(select(Answer.value_text).where(Answer.value_text.is_not(None))))
    engine.dispose()
    assert len(keys) == 2 and not keys[0].startswith("anon-") and keys[1].startswith("anon-")
    assert comments == ["回答太慢，请打 [PHONE] 联系我"]


def test_staff_hand_out_links(app_url: str, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    wave_id = _seed(f"sqlite:///{tmp_path / 'rectify.db'}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=60_000)
    page.set_default_timeout(60_000)
    page.goto(f"{app_url}/?lang=zh")
    page.get_by_label("用户名").fill("ada")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("已登录：ada（管理员）")).to_be_visible()
    page.get_by_role("link", name="问卷管理", exact=True).click()
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("匿名链接", exact=True)).to_be_visible()
    anonymous = main.locator('[data-testid="stCode"]').filter(has_text="anonymous=1").inner_text()
    assert anonymous.strip() == f"{app_url}/questionnaire?wave={wave_id}&anonymous=1"
    expect(main.locator('[data-testid="stImage"] img')).to_be_visible()  # the QR code
    keys = main.get_by_role("textbox", name="受访者标识（每行一个）")
    keys.fill("u-1\nu-2\n张三")
    keys.press("Control+Enter")
    _settled(page)
    with page.expect_download() as download:
        main.get_by_role("button", name=re.compile("下载个人链接（CSV，3 个）")).click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert rows[0] == ["标识", "链接"]
    assert [r[0] for r in rows[1:]] == ["u-1", "u-2", "张三"]
    assert rows[3][1] == f"{app_url}/questionnaire?wave={wave_id}&key=%E5%BC%A0%E4%B8%89"
    main.get_by_text("匿名链接", exact=True).scroll_into_view_if_needed()
    _shot(page, "respondent_links_zh.png")

    # The file uploader of a Chinese page: its button and limits in Chinese, none of Streamlit's English.
    page.get_by_role("link", name="导入反馈", exact=True).click()
    uploader = main.locator('[data-testid="stFileUploader"]')
    expect(uploader).to_be_visible()
    _settled(page)
    shown = uploader.locator("button").first.evaluate(
        "b => getComputedStyle(b.firstElementChild, '::after').content"
    )
    assert shown == '"上传"'
    limits = uploader.locator('[data-testid="stFileUploaderDropzoneInstructions"] > div')
    assert limits.evaluate("d => getComputedStyle(d, '::after').content").startswith('"每个文件最大 ')
    for english in ("Upload", "per file", "Drag and drop", "Browse files"):
        assert english not in uploader.inner_text(), english
    page.screenshot(path=str(ARTIFACTS / "respondent_uploader_zh.png"))

    # A desktop keeps each scale on one line.
    page.goto(f"{app_url}/questionnaire?wave={wave_id}&key=desk-1&lang=zh")
    expect(_question(page, "它解决了我的问题。")).to_be_visible()
    assert _rows_of(_question(page, "它解决了我的问题。")) == 1
