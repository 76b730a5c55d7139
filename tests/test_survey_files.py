"""Survey exports of six tools: recognised, questions inferred, answers read, bad files refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analytics.importing import ImportProblem
from analytics.questions import Option, QuestionSpec, option_code
from analytics.survey_files import (
    MISSING_LABELS,
    PROBLEMS,
    REASONS,
    Answer,
    answer_value,
    infer_question,
    match_columns,
    normalise_wording,
    read_responses,
    read_survey,
    responses_from,
)

DATA = Path(__file__).resolve().parent / "data" / "survey_exports"
IMPORT_DATA = Path(__file__).resolve().parent / "data" / "import"

ZH_FEATURES = (
    Option("用药查询", "Medication lookup"),
    Option("检查报告解读", "Lab report explanation"),
    Option("理财产品问答", "Investment questions"),
    Option("保险条款解释", "Insurance claims help"),
)
# A team's Chinese survey: the wording of the 问卷星 file, without its numbering, half-width "?".
ZH_SURVEY = (
    QuestionSpec("accuracy", "scale", "您对回答的准确性满意吗?", "Satisfied with accuracy?", points=5,
                 wording="satisfaction", dimension="accuracy"),
    QuestionSpec("speed", "scale", "您对响应速度满意吗？", "Satisfied with speed?", points=5,
                 wording="satisfaction", dimension="response_speed"),
    QuestionSpec("solved", "yes_no", "这次您的问题解决了吗？", "Was your problem solved this time?",
                 dimension="problem_resolution"),
    QuestionSpec("features", "multi", "您使用过哪些功能？", "Which features have you used?", options=ZH_FEATURES),
    QuestionSpec("nps", "nps", "您有多大可能向朋友或同事推荐本助手？（0-10分）", "Recommend?", dimension="nps"),
    QuestionSpec("comment", "text", "还有什么想告诉我们的？", "Anything else?", required=False),
    QuestionSpec("wait_seconds", "number", "您通常需要等待几秒？", "Seconds waited?", required=False),
)  # fmt: skip
# A team's English survey: zh wording that appears in no file, en wording as Qualtrics' row 2 has it.
EN_SURVEY = (
    QuestionSpec("accuracy", "scale", "准确性", "Q1. How satisfied are you with the assistant on each of the "
                 "following? - Accuracy of answers", points=5, wording="satisfaction", dimension="accuracy"),
    QuestionSpec("speed", "scale", "速度", "how satisfied are you with the assistant on each of the following "
                 "- response time", points=5, wording="satisfaction", dimension="response_speed"),
    QuestionSpec("solved", "yes_no", "解决了吗", "Was your problem solved this time?"),
    QuestionSpec("features", "multi", "功能", "Which features have you used? Select all that apply.",
                 options=ZH_FEATURES),
    QuestionSpec("nps", "nps", "推荐", "How likely are you to recommend the assistant to a friend or colleague?"),
    QuestionSpec("overall", "scale", "总体", "Overall, how satisfied are you with the assistant?", points=5,
                 wording="satisfaction"),
    QuestionSpec("comment", "text", "意见", "Anything else you would like to tell us?", required=False),
    QuestionSpec("gender", "single", "性别", "Gender", options=(Option("男", "Male"), Option("女", "Female"))),
)  # fmt: skip


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def survey(name: str):  # type: ignore[no-untyped-def]
    return read_survey(data(name), name)


# --- layouts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "layout", "kinds"),
    [
        ("wjx_baseline.csv", "wjx", ["scale", "scale", "scale", "yes_no", "multi", "nps", "scale", "text"]),
        ("wjx_followup.csv", "wjx", ["scale", "scale", "scale", "yes_no", "multi", "nps", "scale", "text"]),
        ("tencent_baseline.xlsx", "tencent", ["scale", "scale", "yes_no", "nps", "multi", "scale", "text"]),
        ("tencent_followup.xlsx", "tencent", ["scale", "scale", "yes_no", "nps", "multi", "scale", "text"]),
        ("qualtrics_baseline.csv", "qualtrics", ["scale", "scale", "scale", "yes_no", "multi", "nps", "scale", "text"]),
        ("qualtrics_followup.csv", "qualtrics", ["scale", "scale", "scale", "yes_no", "multi", "nps", "scale", "text"]),
        ("surveymonkey_baseline.csv", "surveymonkey", ["scale", "scale", "yes_no", "multi", "nps", "scale", "text"]),
        ("surveymonkey_followup.xlsx", "surveymonkey", ["scale", "scale", "yes_no", "multi", "nps", "scale", "text"]),
        ("google_forms_baseline.csv", "google_forms", ["scale", "scale", "yes_no", "multi", "nps", "text"]),
        ("google_forms_followup.csv", "google_forms", ["scale", "scale", "yes_no", "multi", "nps", "text"]),
        ("microsoft_forms_baseline.xlsx", "microsoft_forms", ["scale", "scale", "yes_no", "multi", "nps", "text"]),
        ("microsoft_forms_followup.xlsx", "microsoft_forms", ["scale", "scale", "yes_no", "multi", "nps", "text"]),
        ("mixed_language_generic.csv", "generic", ["scale", "scale", "yes_no", "nps", "text"]),
    ],
)  # fmt: skip
def test_each_tools_export_is_recognised_with_its_logical_questions(
    name: str, layout: str, kinds: list[str]
) -> None:
    found = survey(name)
    assert found.layout == layout
    assert [q.spec.kind for q in found.questions] == kinds
    assert 30 <= len(found.rows) <= 60


def test_qualtrics_three_header_rows_give_ids_texts_and_metadata() -> None:
    found = survey("qualtrics_baseline.csv")
    assert found.encoding == "utf-8-sig"
    assert found.row_numbers[0] == 4  # rows 1-3 are the header
    assert [q.spec.code for q in found.questions] == ["q1_1", "q1_2", "q1_3", "q2", "q3", "q4", "q5", "q6"]
    first = found.questions[0]
    assert first.columns == ("Q1_1",)
    assert (
        first.spec.text_en
        == "How satisfied are you with the assistant on each of the following? - Accuracy of answers"
    )
    assert (first.spec.points, first.spec.wording, first.spec.dimension) == (5, "satisfaction", "accuracy")
    multi = found.questions[4].spec
    assert {o.en for o in multi.options} == {
        "Medication lookup", "Lab report explanation", "Investment questions", "Insurance claims help"
    }  # fmt: skip
    assert {"StartDate", "ResponseId", "ExternalReference", "Q4_NPS_GROUP"} <= set(found.metadata_columns)
    assert "Q4_NPS_GROUP" not in found.question_columns  # derived from Q4, not an answer
    assert found.id_candidates[0] == "ExternalReference"


def test_wjx_gbk_file_decodes_and_the_user_id_question_is_an_id_not_a_question() -> None:
    found = survey("wjx_baseline.csv")
    assert found.encoding == "gb18030"
    assert found.id_candidates == ("1、您的用户ID：",)
    assert found.questions[0].spec.code == "q2"  # the number wjx gave it
    assert found.questions[0].spec.text_zh == "您对回答的准确性满意吗？"  # "2、" stripped
    assert found.questions[0].language == "zh"
    assert set(found.metadata_columns) >= {"序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"}


def test_wjx_score_export_groups_0_1_sub_columns_into_one_multiple_choice() -> None:
    multi = next(q for q in survey("wjx_followup.csv").questions if q.spec.kind == "multi")
    assert multi.spec.code == "q6"
    assert multi.spec.text_zh == "您使用过哪些功能？"
    assert [o.zh for o in multi.spec.options] == ["用药查询", "检查报告解读", "理财产品问答", "保险条款解释"]
    assert multi.columns == (
        "6、您使用过哪些功能？(用药查询)",
        "6、(检查报告解读)",
        "6、(理财产品问答)",
        "6、(保险条款解释)",
    )


def test_surveymonkey_combines_both_header_rows() -> None:
    found = survey("surveymonkey_baseline.csv")
    assert found.row_numbers[0] == 3
    assert found.questions[0].columns == ("How satisfied are you with the assistant? - Accuracy of answers",)
    assert [q.spec.code for q in found.questions[:2]] == ["q1_1", "q1_2"]  # one matrix, two rows
    multi = found.questions[3]
    assert multi.spec.text_en == "Which features have you used? (Select all that apply)"
    assert [o.en for o in multi.spec.options] == [
        "Medication lookup", "Lab report explanation", "Investment questions", "Insurance claims help"
    ]  # fmt: skip
    assert found.id_candidates[0] == "Custom Data 1"


def test_google_forms_has_a_seven_point_scale() -> None:
    first = survey("google_forms_baseline.csv").questions[0].spec
    assert (first.kind, first.points) == ("scale", 7)


def test_tencent_sub_columns_holding_option_words_are_one_multiple_choice() -> None:
    multi = survey("tencent_baseline.xlsx").questions[4]
    assert multi.spec.kind == "multi" and len(multi.columns) == 4
    assert multi.columns[0] == "5.您使用过哪些功能？:用药查询"


# --- reading answers --------------------------------------------------------------------------------


def wjx_responses(name: str = "wjx_baseline.csv"):  # type: ignore[no-untyped-def]
    found = survey(name)
    match = match_columns(found, ZH_SURVEY)
    return found, responses_from(found, ZH_SURVEY, match.mapping, found.id_candidates[0])


def cell(found, row: int, column: str) -> str:  # type: ignore[no-untyped-def]
    return str(found.values(column)[found.row_numbers.index(row)])


def test_wjx_words_become_points_and_skipped_answers_are_missing() -> None:
    found, result = wjx_responses()
    answers = result.answers
    assert result.rejected == []
    speed = answers[answers["question"] == "speed"].set_index("row")["value"]
    accuracy = answers[answers["question"] == "accuracy"].set_index("row")["value"]
    column = "2、您对回答的准确性满意吗？"
    very = [r for r in found.row_numbers if cell(found, r, column) == "非常满意"]
    assert very and all(accuracy[r] == 5.0 for r in very)
    unhappy = [r for r in found.row_numbers if cell(found, r, column) == "非常不满意"]
    assert unhappy and all(accuracy[r] == 1.0 for r in unhappy)
    skipped = [r for r in found.row_numbers if cell(found, r, "3、您对响应速度满意吗？") == "(跳过)"]
    assert skipped and not set(skipped) & set(speed.index)  # left out, not refused
    blank_comments = [r for r in found.row_numbers if cell(found, r, "9、还有什么想告诉我们的？") == "(空)"]
    comments = answers[answers["question"] == "comment"]
    assert blank_comments and not set(blank_comments) & set(comments["row"])
    assert comments["value"].str.contains("13812345678").any()  # raw text: the caller redacts it


def test_wjx_multiple_choice_becomes_one_0_1_answer_per_option() -> None:
    found, result = wjx_responses()
    answers = result.answers
    first_row = found.row_numbers[0]
    assert cell(found, first_row, "6、您使用过哪些功能？") == "用药查询"
    chosen = answers[(answers["row"] == first_row) & answers["question"].str.startswith("features:")]
    assert dict(zip(chosen["question"], chosen["value"], strict=True)) == {
        option_code("features", 1): 1.0, option_code("features", 2): 0.0,
        option_code("features", 3): 0.0, option_code("features", 4): 0.0,
    }  # fmt: skip
    assert set(chosen["kind"]) == {"multi"}
    # The follow-up writes the same question as 0/1 sub-columns: read the same way.
    _, follow_up = wjx_responses("wjx_followup.csv")
    options = follow_up.answers[follow_up.answers["question"].str.startswith("features:")]
    assert sorted(options["question"].unique()) == [f"features:{n}" for n in range(1, 5)]
    assert set(options["value"]) == {0.0, 1.0}


def test_waves_pair_on_the_respondent_id_and_the_follow_up_is_better_on_accuracy_and_speed() -> None:
    _, baseline = wjx_responses("wjx_baseline.csv")
    _, follow_up = wjx_responses("wjx_followup.csv")
    both = set(baseline.answers["respondent_key"]) & set(follow_up.answers["respondent_key"])
    assert len(both) == 27  # 60% of the 45 baseline respondents
    for question in ("accuracy", "speed"):
        before = baseline.answers.loc[baseline.answers["question"] == question, "value"].astype(float).mean()
        after = follow_up.answers.loc[follow_up.answers["question"] == question, "value"].astype(float).mean()
        assert after > before + 0.3, question


@pytest.mark.parametrize(
    ("baseline", "follow_up"),
    [
        ("tencent_baseline.xlsx", "tencent_followup.xlsx"),
        ("qualtrics_baseline.csv", "qualtrics_followup.csv"),
        ("surveymonkey_baseline.csv", "surveymonkey_followup.xlsx"),
        ("google_forms_baseline.csv", "google_forms_followup.csv"),
        ("microsoft_forms_baseline.xlsx", "microsoft_forms_followup.xlsx"),
    ],
)
def test_every_tools_follow_up_reads_better_on_its_first_question(baseline: str, follow_up: str) -> None:
    means = []
    for name in (baseline, follow_up):
        found = survey(name)
        result = responses_from(
            found, [q.spec for q in found.questions], {q.spec.code: q.columns for q in found.questions}
        )
        assert result.rejected == []
        first = found.questions[0].spec.code
        means.append(result.answers.loc[result.answers["question"] == first, "value"].astype(float).mean())
    assert means[1] > means[0] + 0.3


def test_a_six_on_a_five_point_scale_refuses_that_row_with_its_number() -> None:
    name = "bad_google_forms_six_on_five.csv"
    found = survey(name)
    spec = QuestionSpec("speed", "scale", "速度", "How satisfied are you with the response speed?", points=5,
                        wording="satisfaction")  # fmt: skip
    result = read_responses(
        data(name), name, [spec], {"speed": "How satisfied are you with the response speed?"}
    )
    assert [(r.row, r.reason, r.column, r.value) for r in result.rejected] == [
        (6, "out_of_scale", "How satisfied are you with the response speed?", "6")
    ]
    assert 6 not in set(result.answers["row"])
    assert len(result.answers) == len(found.rows) - 1 - sum(v == "" for v in found.values(spec.text_en))
    assert result.rejected_rows == 1 and result.total_rows == 45


def test_duplicated_respondent_ids_refuse_the_file_naming_them() -> None:
    name = "bad_wjx_duplicate_ids.csv"
    with pytest.raises(ImportProblem) as caught:
        read_responses(
            data(name), name, ZH_SURVEY[:1], {"accuracy": "2、您对回答的准确性满意吗？"}, "1、您的用户ID："
        )
    assert caught.value.code == "duplicate_ids"
    assert caught.value.values == {"ids": ["U1003", "U1011"], "count": 2}
    # Without an id column the same file reads (anonymous answers).
    anonymous = read_responses(data(name), name, ZH_SURVEY[:1], {"accuracy": "2、您对回答的准确性满意吗？"})
    assert anonymous.answers["respondent_key"].isna().all() and len(anonymous.answers) == 45


def test_a_seven_point_column_is_refused_for_a_five_point_question() -> None:
    name = "bad_qualtrics_seven_point.csv"
    with pytest.raises(ImportProblem) as caught:
        read_responses(data(name), name, EN_SURVEY, {"accuracy": "Q1_1"}, "ExternalReference")
    assert caught.value.code == "scale_points_differ"
    assert caught.value.values == {"column": "Q1_1", "question": "accuracy", "points": 5, "file_points": 7}
    assert survey(name).questions[0].spec.points == 7  # proposed as what it is


def test_fingerprints_are_stable_per_row_so_a_second_import_adds_nothing() -> None:
    name = "qualtrics_baseline.csv"
    mapping = match_columns(survey(name), EN_SURVEY).mapping
    first = read_responses(data(name), name, EN_SURVEY, mapping, "ExternalReference")
    again = read_responses(data(name), name, EN_SURVEY, mapping, "ExternalReference")
    assert first.fingerprints == again.fingerprints
    assert len(set(first.fingerprints.values())) == 45
    assert set(first.answers["fingerprint"]) <= set(first.fingerprints.values())
    changed = data(name).replace(b"Would love voice input.", b"Would love voice input!", 1)
    third = read_responses(changed, name, EN_SURVEY, mapping, "ExternalReference")
    assert len(set(third.fingerprints.values()) - set(first.fingerprints.values())) == 1


def test_the_same_row_twice_in_a_file_is_refused_the_second_time() -> None:
    text = "Timestamp,Q1 accuracy,Q2 speed\n2026/05/01,4,5\n2026/05/01,4,5\n2026/05/02,3,2\n"
    specs = [
        QuestionSpec("a", "scale", "a", "Q1 accuracy", points=5),
        QuestionSpec("b", "scale", "b", "Q2 speed", points=5),
    ]
    result = read_responses(text.encode(), "f.csv", specs, {"a": "Q1 accuracy", "b": "Q2 speed"})
    assert [(r.row, r.reason, dict(r.values)) for r in result.rejected] == [
        (3, "duplicate_in_file", {"first_row": 2})
    ]


def test_qualtrics_minus_99_is_missing_there_only() -> None:
    name = "qualtrics_baseline.csv"
    changed = data(name).replace(b",Extremely satisfied,", b",-99,", 1)
    result = read_responses(changed, name, EN_SURVEY, match_columns(survey(name), EN_SURVEY).mapping)
    assert result.rejected == []
    spec = EN_SURVEY[0]
    assert answer_value(spec, "-99").reason == "out_of_scale"


def test_mixed_language_answers_read_alike() -> None:
    found = survey("mixed_language_generic.csv")
    result = responses_from(found, [q.spec for q in found.questions], {q.spec.code: q.columns for q in found.questions},
                            found.id_candidates[0])  # fmt: skip
    assert result.rejected == []
    answers = result.answers.set_index(["row", "question"])["value"]
    column = "Q1. 回答的准确性 Accuracy of answers"
    for word, point in (("非常不满意", 1.0), ("Very dissatisfied", 1.0), ("满意", 4.0), ("Satisfied", 4.0)):
        rows = [r for r in found.row_numbers if cell(found, r, column) == word]
        assert rows and all(answers[(r, "q1")] == point for r in rows), word
    nps = "Q4. NPS 推荐意愿 (0-10)"
    row = next(r for r in found.row_numbers if cell(found, r, nps) == "7分")
    assert answers[(row, "q4")] == 7.0
    skipped = [r for r in found.row_numbers if cell(found, r, nps) == "不适用"]
    assert skipped and not any((r, "q4") in answers.index for r in skipped)


# --- the words of answers ---------------------------------------------------------------------------

SCALE5 = QuestionSpec("s", "scale", "满意度", "Satisfaction", points=5, wording="satisfaction")
AGREE5 = QuestionSpec("a", "scale", "同意", "Agreement", points=5, wording="agreement")
SCALE7 = QuestionSpec("s7", "scale", "满意度", "Satisfaction", points=7, wording="satisfaction")
NPS = QuestionSpec("n", "nps", "推荐", "Recommend")
YES_NO = QuestionSpec("y", "yes_no", "解决了吗", "Solved?")
SINGLE = QuestionSpec(
    "c", "single", "渠道", "Channel", options=(Option("微信", "WeChat"), Option("网页", "Web"))
)
MULTI = QuestionSpec("m", "multi", "功能", "Features", options=ZH_FEATURES)
NUMBER = QuestionSpec("w", "number", "秒", "Seconds")


@pytest.mark.parametrize(
    ("spec", "raw", "expected"),
    [
        (SCALE5, "非常满意", 5.0), (SCALE5, "满意", 4.0), (SCALE5, "比较满意", 4.0), (SCALE5, "一般", 3.0),
        (SCALE5, "不满意", 2.0), (SCALE5, "非常不满意", 1.0), (SCALE5, "Very satisfied", 5.0),
        (SCALE5, "very dissatisfied", 1.0), (SCALE5, "Extremely satisfied", 5.0), (SCALE5, "Somewhat satisfied", 4.0),
        (SCALE5, "5 - Very satisfied", 5.0), (SCALE5, "5 = 非常满意", 5.0), (SCALE5, "5分", 5.0), (SCALE5, "4", 4.0),
        (SCALE5, "4.0", 4.0), (SCALE5, " 4 ", 4.0), (SCALE5, 4, 4.0), (SCALE5, 4.0, 4.0), (SCALE5, "４", 4.0),
        (AGREE5, "Strongly agree", 5.0), (AGREE5, "Strongly disagree", 1.0), (AGREE5, "非常同意", 5.0),
        (AGREE5, "Neither agree nor disagree", 3.0),
        (SCALE7, "比较满意", 5.0), (SCALE7, "满意", 6.0), (SCALE7, "Moderately satisfied", 6.0), (SCALE7, "7", 7.0),
        (NPS, "10 - Extremely likely", 10.0), (NPS, "0 - Not at all likely", 0.0), (NPS, "8", 8.0), (NPS, 9, 9.0),
        (YES_NO, "是", 1.0), (YES_NO, "否", 0.0), (YES_NO, "部分", 0.5), (YES_NO, "Yes", 1.0), (YES_NO, "no", 0.0),
        (YES_NO, "Partly", 0.5), (YES_NO, "1", 1.0), (YES_NO, "0.5", 0.5),
        (SINGLE, "微信", 1.0), (SINGLE, "Web", 2.0), (SINGLE, "2", 2.0),
        (MULTI, "用药查询┋保险条款解释", (1, 4)), (MULTI, "Medication lookup;Investment questions;", (1, 3)),
        (MULTI, "Lab report explanation, Medication lookup", (1, 2)), (MULTI, "理财产品问答", (3,)),
        (NUMBER, "12.5", 12.5), (NUMBER, "8秒", None),
    ],
)  # fmt: skip
def test_answer_words_become_values(spec: QuestionSpec, raw: object, expected: object) -> None:
    answer = answer_value(spec, raw)
    if expected is None:
        assert answer.reason == "not_a_number"
    else:
        assert answer == Answer(expected)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["", "  ", "N/A", "n/a", "不适用", "(跳过)", "（跳过）", "(空)", None])
def test_missing_answers_are_missing_for_every_kind(raw: object) -> None:
    for spec in (SCALE5, NPS, YES_NO, SINGLE, MULTI, NUMBER):
        assert answer_value(spec, raw).missing


@pytest.mark.parametrize(
    ("spec", "raw", "reason"),
    [
        (SCALE5, "6", "out_of_scale"), (SCALE5, "0", "out_of_scale"), (SCALE5, "3.5", "not_a_point"),
        (SCALE5, "很棒", "unknown_label"), (SCALE5, "Strongly agree", "unknown_label"), (NPS, "11", "out_of_scale"),
        (NPS, "very likely", "unknown_label"), (YES_NO, "也许", "unknown_label"), (YES_NO, "2", "out_of_scale"),
        (SINGLE, "邮件", "unknown_option"), (SINGLE, "3", "unknown_option"), (MULTI, "用药查询┋其他", "unknown_option"),
    ],
)  # fmt: skip
def test_unreadable_answers_carry_a_reason(spec: QuestionSpec, raw: str, reason: str) -> None:
    assert answer_value(spec, raw) == Answer(reason=reason)
    assert reason in REASONS


def test_seven_point_words_on_a_five_point_question_are_not_guessed() -> None:
    assert answer_value(SCALE5, "Moderately satisfied").reason == "unknown_label"
    assert "(跳过)" in MISSING_LABELS


# --- matching columns to a survey ---------------------------------------------------------------------


def test_columns_match_a_chinese_survey_by_wording() -> None:
    match = match_columns(survey("wjx_baseline.csv"), ZH_SURVEY)
    assert match.mapping["accuracy"] == ("2、您对回答的准确性满意吗？",)  # "?" and "？" alike
    assert match.mapping["features"] == ("6、您使用过哪些功能？",)
    assert match.mapping["nps"] == ("7、您有多大可能向朋友或同事推荐本助手？（0-10分）",)
    assert match.unmatched_questions == ("wait_seconds",)
    assert set(match.unmatched_columns) == {"4、使用起来是否方便？", "8、总体来说，您对本助手满意吗？"}


def test_columns_match_an_english_survey_by_wording_and_sub_columns_by_option() -> None:
    match = match_columns(survey("qualtrics_baseline.csv"), EN_SURVEY)
    assert match.mapping["accuracy"] == ("Q1_1",)  # "Q1." numbering and case ignored
    assert match.mapping["speed"] == ("Q1_2",)  # "Response time" is close enough to "Response speed"
    assert match.scores["accuracy"] == 1.0 and 0.8 <= match.scores["speed"] < 1.0
    assert match.mapping["features"] == ("Q3",) and match.mapping["comment"] == ("Q6",)
    assert match.unmatched_questions == ("gender",)
    assert match.unmatched_columns == ("Q1_3",)  # "- Ease of use" shares the stem, not the sub-item
    # SurveyMonkey's sub-columns map onto the survey's options by their words.
    monkey = survey("surveymonkey_baseline.csv")
    features = next(q for q in monkey.questions if q.spec.kind == "multi")
    result = responses_from(monkey, EN_SURVEY, {"features": features.columns}, "Custom Data 1")
    picked = result.answers[result.answers["value"] == 1.0]
    first = monkey.row_numbers[0]
    chosen = [c for c in features.columns if cell(monkey, first, c)]
    expected = {f"features:{[o.en for o in ZH_FEATURES].index(c.split(' - ')[-1]) + 1}" for c in chosen}
    assert set(picked.loc[picked["row"] == first, "question"]) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [("1、您对响应速度满意吗？", "您对响应速度满意吗?"), ("Q3. How FAST is it?", "how fast is it"),
     ("第2题 总体满意度", "总体满意度"), ("5.您的性别：[单选题]", "您的性别")],
)  # fmt: skip
def test_wording_is_normalised(a: str, b: str) -> None:
    assert normalise_wording(a) == normalise_wording(b)


# --- files refused whole ------------------------------------------------------------------------------


def problem(content: bytes, name: str) -> str:
    with pytest.raises(ImportProblem) as caught:
        read_survey(content, name)
    assert caught.value.code in PROBLEMS
    return caught.value.code


def test_files_that_are_not_survey_exports_are_refused_with_a_code() -> None:
    assert problem(b"", "empty.csv") == "empty_file"
    assert problem(b" \r\n", "blank.csv") == "empty_file"
    assert problem(data("qualtrics_baseline.csv").split(b"\r\n4")[0][:2000], "q.csv") in ("no_rows",)
    assert problem(b"Timestamp,Email Address\n2026/05/01,a@example.com\n", "g.csv") == "no_question_columns"
    tickets = (IMPORT_DATA / "cs_tickets_gbk.csv").read_bytes()
    assert problem(tickets, "cs_tickets_gbk.csv") == "not_a_survey"
    assert problem(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.csv") == "undecodable"


def test_unknown_columns_in_the_mapping_are_named() -> None:
    name = "google_forms_baseline.csv"
    with pytest.raises(ImportProblem) as caught:
        read_responses(data(name), name, [NPS], {"n": "No such column"}, "Email")
    assert caught.value.code == "unknown_columns"
    assert caught.value.values == {"columns": ["No such column", "Email"]}


def test_the_answers_frame_has_the_documented_columns() -> None:
    _, result = wjx_responses()
    assert list(result.answers.columns) == [
        "row",
        "fingerprint",
        "respondent_key",
        "question",
        "kind",
        "value",
    ]
    assert pd.api.types.is_integer_dtype(result.answers["row"])
    kinds = result.answers.groupby("question")["kind"].first().to_dict()
    assert kinds["accuracy"] == "likert5" and kinds["nps"] == "nps" and kinds["comment"] == "text"


# --- inferring a question from its answers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values", "kind", "points", "options"),
    [
        ("Accuracy", ["1", "2", "5", "4", "3", "4"], "scale", 5, ()),
        ("准确性（1-7分）", ["1", "2", "5", "4", "3", "4"], "scale", 7, ()),
        ("Accuracy", ["非常满意", "比较满意", "一般"], "scale", 5, ()),
        ("Accuracy", ["Strongly agree", "Agree", "Somewhat disagree"], "scale", 5, ()),
        ("Accuracy", ["Moderately satisfied", "Slightly satisfied"], "scale", 7, ()),
        ("How likely are you to recommend us?", ["7", "8", "9"], "nps", None, ()),
        ("满意度", ["0", "3", "10", "8"], "nps", None, ()),
        ("Solved?", ["1", "0", "1"], "yes_no", None, ()),
        ("Solved?", ["是", "否", "部分"], "yes_no", None, ()),
        ("Minutes waited", ["1.5", "12", "3"], "number", None, ()),
        ("Age", ["35", "42", "28"], "number", None, ()),
        (
            "Channel",
            ["WeChat", "Web", "WeChat", "App", "Web", "Web"],
            "single",
            None,
            ("WeChat", "Web", "App"),
        ),
        ("Features", ["A;B;", "B;", "A;C;", "C;", "A;"], "multi", None, ("A", "B", "C")),
        (
            "Comments",
            ["Slow, but right.", "Great, thanks", "It was wrong, twice, on doses", "Fast, clear", "ok"],
            "text",
            None,
            (),
        ),
    ],
)
def test_question_kind_is_inferred_from_wording_and_answers(
    text: str, values: list[str], kind: str, points: int | None, options: tuple[str, ...]
) -> None:
    spec = infer_question("q1", text, [*values, "", "(跳过)"])
    assert (spec.kind, spec.points, tuple(o.en for o in spec.options)) == (kind, points, options)
    assert spec.text_zh == spec.text_en == text
