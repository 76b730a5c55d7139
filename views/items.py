"""Rectification items: what the team committed to fix, who owns it, by when, and where it stands.

Each item keeps the evidence that it worked; unfinished items are carried over to the next round.
"""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from analytics import benchmark_evidence as model_evidence
from analytics import reports
from analytics.evidence import ALPHAS, DEFAULT_ALPHA, JUDGEMENTS, VERIFIES, TopicEvidence
from db.items import (
    NEXT_STATUSES,
    STATUSES,
    ItemError,
    NewItem,
    attach_evidence,
    carry_over,
    count_items,
    evidence_history,
    later_rounds,
    link_topic,
    list_items,
    list_product_items,
    open_item,
    overdue,
    set_status,
    topic_choices,
    update_item,
)
from db.users import audit
from db.workspace import WorkspaceError, create_next_round
from services.item_evidence import measure_topic_evidence
from ui import nav, roles
from ui.auth import guarded
from ui.i18n import t
from ui.model_evidence_panel import render_model_evidence
from ui.page import open_page
from ui.plain_text import plain
from ui.resources import transaction, write

ctx = open_page(
    nav.ITEMS, title_key="items.title", intro_key="items.intro", no_workspace_key="items.no_product"
)
user, can_edit, lang, selection = ctx.user, ctx.can_edit, ctx.lang, ctx.selection
st.caption(
    t(
        "items.scope",
        product=plain(selection.product_name),
        round=plain(selection.round_name) if selection.round_name else t("workspace.all_rounds"),
    )
)


def status_name(status: str, lost: bool = False) -> str:
    """The status in the user's language; "verification lost" instead when `lost`."""
    if lost:
        return t("items.status.verification_lost")
    return t(f"items.status.{status}") if status in STATUSES else status


def topic_name(item: pd.Series) -> str:
    """The topic's name; its key only where the newest analysis no longer has it."""
    if not isinstance(item["topic_key"], str):
        return ""
    if isinstance(item["topic_label"], str):
        return item["topic_label"]
    return t("items.topic_gone_label", code=item["topic_key"])


def refuse(err: ItemError) -> None:
    """Say why the change to an item was refused, in the user's language."""
    st.error(t(f"items.error.{err.code}", id=err.item_id or "?"))


def load() -> pd.DataFrame:
    """The items of the selected round, or of every round of the product when all rounds are selected."""
    assert selection is not None
    with transaction() as session:
        if selection.round_id:
            return list_items(session, selection.round_id, lang)
        return list_product_items(session, selection.product_id, lang)


def render_summary(items: pd.DataFrame, today: date) -> None:
    """The item counts: total, active, resolved, verified, carried over, overdue and verification lost."""
    counts = count_items(items, today)
    cols = st.columns(7 if counts.lost else 6)
    cols[0].metric(t("items.metric.total"), counts.total)
    cols[1].metric(t("items.metric.active"), counts.active)
    cols[2].metric(t("items.metric.resolved"), counts.resolved)
    cols[3].metric(t("items.metric.verified"), counts.verified)
    cols[4].metric(t("items.metric.carried_over"), counts.carried_over)
    cols[5].metric(t("items.metric.overdue"), counts.overdue)
    if counts.lost:
        cols[6].metric(t("items.metric.verification_lost"), counts.lost)
        st.warning(t("items.verification_lost"), icon=":material/report:")


def render_table(items: pd.DataFrame, late: pd.Series) -> None:
    """The items with the chosen statuses as a table, with a CSV download that is audited."""
    assert selection is not None
    shown = st.multiselect(
        t("items.filter_status"),
        STATUSES,
        default=[s for s in STATUSES if s != "carried_over"],
        format_func=status_name,
        key="items_status_filter",
    )
    chosen = items["status"].isin(shown)
    if not chosen.any():
        st.info(t("items.none_match"))
        return
    table = pd.DataFrame(
        {
            t("items.col.id"): items["id"],
            **({t("items.col.round"): items["round_name"]} if not selection.round_id else {}),
            t("items.col.title"): items["title"],
            t("items.col.owner"): items["owner"].fillna(""),
            t("items.col.topic"): [topic_name(r) for _, r in items.iterrows()],
            t("items.col.status"): [
                status_name(s, bool(lost))
                for s, lost in zip(items["status"], items["verification_lost"], strict=True)
            ],
            t("items.col.due"): items["due_on"],
            t("items.col.overdue"): [t("items.overdue_yes") if is_late else "" for is_late in late],
            t("items.col.evidence"): [reports.evidence_text(e, lang) for e in items["evidence"]],
            t("items.col.model_evidence"): [
                model_evidence.evidence_text(e, lang) for e in items["benchmark_evidence"]
            ],
            t("items.col.baseline"): items["baseline"],
            t("items.col.target"): items["target"],
            t("items.col.metric"): items["metric"].fillna(""),
        }
    )[chosen.to_numpy()]
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button(
        t("items.download"),
        reports.to_csv_bytes(table),
        file_name=f"rectification_items_{selection.product_id}.csv",
        mime="text/csv",
        key="items_download",
        on_click=record_download,
        args=(len(table),),
        icon=":material/download:",
    )


@guarded(*roles.STAFF)
def record_download(rows: int) -> None:
    """Record in the audit log that `rows` items were exported as CSV."""
    assert selection is not None
    with transaction() as session:
        audit(session, user.username, "export.items", "product", selection.product_id, {"rows": rows})


def notice(message: str) -> None:
    """Rerun the page and show `message` at its top, so it outlives the rerun."""
    st.session_state["items_notice"] = message
    st.rerun()


def render_edit(item: pd.Series) -> None:
    """The edit form: the item's title, topic, owner, metric, baseline, target and due date."""
    assert selection is not None
    item_id = int(item["id"])
    with transaction() as session:
        topics = dict(topic_choices(session, selection.product_id, lang))
    current = item["topic_key"] if isinstance(item["topic_key"], str) else None
    keys: list[str | None] = [None, *topics]
    if current is not None and current not in topics:
        keys.append(current)

    names = {  # worked out once: AppTest formats options again outside the page's language
        key: t("items.field.topic_none")
        if key is None
        else topics.get(key) or t("items.field.topic_missing", code=key)
        for key in keys
    }

    with st.form(f"items_edit_{item_id}"):
        title = st.text_input(t("items.field.title"), value=item["title"], max_chars=200)
        topic = st.selectbox(
            t("items.field.topic"),
            keys,
            index=keys.index(current),
            format_func=names.__getitem__,
            key=f"items_topic_{item_id}",
        )
        left, right = st.columns(2)
        owner = left.text_input(t("items.field.owner"), value=item["owner"] or "", max_chars=80)
        metric = right.text_input(t("items.field.metric"), value=item["metric"] or "", max_chars=80)
        baseline = left.number_input(
            t("items.field.baseline"),
            value=None if pd.isna(item["baseline"]) else float(item["baseline"]),
            key=f"items_baseline_{item_id}",
        )
        target = right.number_input(
            t("items.field.target"),
            value=None if pd.isna(item["target"]) else float(item["target"]),
            key=f"items_target_{item_id}",
        )
        due = left.date_input(t("items.field.due"), value=item["due_on"] if item["due_on"] else None)
        if st.form_submit_button(t("items.save"), icon=":material/save:"):
            edited = NewItem(
                title, None, owner, metric, baseline, target, due if isinstance(due, date) else None
            )
            try:
                with transaction() as session:
                    changed = update_item(session, item_id, edited, user.username)
                    if link_topic(session, item_id, topic, user.username):
                        changed.append("topic")
            except ItemError as err:
                refuse(err)
            else:
                fields = ", ".join(t(f"items.field_name.{name}") for name in changed)
                notice(t("items.saved", fields=fields) if changed else t("items.unchanged"))


def render_status(item: pd.Series) -> None:
    """The item's status and, unless it is final, a choice of the next status to move it to."""
    item_id, status = int(item["id"]), str(item["status"])
    st.markdown(f"**{t('items.status_heading')}**")
    st.caption(t("items.status_now", status=status_name(status, bool(item["verification_lost"]))))
    choices = NEXT_STATUSES.get(status, ())
    if not choices:
        st.caption(t("items.status_final"))
        return
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    target = left.selectbox(
        t("items.status_next"), choices, format_func=status_name, key=f"items_next_{item_id}"
    )
    if right.button(t("items.status_change"), key=f"items_set_status_{item_id}"):
        try:
            write(lambda session: set_status(session, item_id, str(target), user.username))
        except ItemError as err:
            refuse(err)
        else:
            notice(t("items.status_changed", id=item_id, status=status_name(str(target))))


def judgement_text(judgement: str | None, item: pd.Series, evidence: TopicEvidence) -> str:
    """The judgement as a sentence naming the item's target and the test's alpha; "" when none."""
    if judgement is None:
        return ""
    return t(f"items.judgement.{judgement}", target=_number(item["target"]), alpha=evidence.alpha)


def _number(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):g}"  # type: ignore[arg-type]


def render_evidence(item: pd.Series, editable: bool) -> None:
    """Evidence and its history; if `editable`, a form to measure the topic before and after the fix."""
    item_id = int(item["id"])
    st.markdown(f"**{t('items.evidence_heading')}**")
    evidence = item["evidence"] if isinstance(item["evidence"], TopicEvidence) else None
    if item["verification_lost"]:
        st.error(t("items.verification_lost"), icon=":material/report:")
    if evidence is not None and evidence.verdict_en:
        judgement = item["judgement"]
        if judgement != "not_tested":
            left, right = st.columns(2)
            for column, side in ((left, "before"), (right, "after")):
                share, k, n = (
                    (evidence.share_before, evidence.k_before, evidence.n_before)
                    if side == "before"
                    else (evidence.share_after, evidence.k_after, evidence.n_after)
                )
                column.metric(
                    t("items.evidence_share", side=t(f"items.side.{side}")),
                    "–" if pd.isna(share) else f"{100 * share:.1f}%",
                    help=t("items.evidence_items", k=k, n=n),
                )
        st.markdown(evidence.sentence(lang))
        (st.success if judgement == VERIFIES else st.info)(judgement_text(judgement, item, evidence))
        for warning in evidence.caveats(lang):
            st.warning(warning)
        if evidence.not_analysed:
            st.caption(t("items.evidence_not_analysed", n=evidence.not_analysed))
        st.caption(
            t(
                "items.evidence_stored",
                period_start=_day(evidence.period_start),
                fix_date=_day(evidence.fix_date),
                period_end=_day(evidence.period_end),
                by=plain(evidence.attached_by or "?"),
                at=f"{evidence.attached_at:%Y-%m-%d %H:%M}" if evidence.attached_at else "?",
            )
        )
    else:
        st.caption(t("items.evidence_none"))
    if int(item["evidence_count"]) > 0:
        render_history(item_id, int(item["evidence_count"]))
    st.caption(t("items.verify_rule"))
    if not editable:
        return
    if not item["topic_key"]:
        st.caption(t("items.evidence_no_topic"))
        return
    st.caption(t("items.evidence_intro"))
    start, fix, end = evidence_defaults(item, evidence)
    with st.form(f"items_evidence_{item_id}"):
        c1, c2, c3, c4 = st.columns(4)
        start = c1.date_input(t("items.period_start"), value=start, key=f"items_ev_start_{item_id}")
        fix = c2.date_input(t("items.fix_date"), value=fix, key=f"items_ev_fix_{item_id}")
        end = c3.date_input(t("items.period_end"), value=end, key=f"items_ev_end_{item_id}")
        alpha = c4.selectbox(
            t("items.alpha"), ALPHAS, index=ALPHAS.index(DEFAULT_ALPHA), key=f"items_ev_alpha_{item_id}"
        )
        if st.form_submit_button(t("items.measure"), icon=":material/query_stats:"):
            if not all(isinstance(d, date) for d in (start, fix, end)):
                st.error(t("items.error.bad_period"))
                return
            try:
                with transaction() as session:
                    outcome = measure_topic_evidence(
                        session,
                        item_id,
                        start=start,
                        fix=fix,
                        end=end + timedelta(days=1),
                        lang=lang,
                        alpha=float(alpha),
                    )
                    outcome["period_end"] = end.isoformat()  # shown as picked: the day itself counts
                    row = attach_evidence(session, item_id, outcome, user.username)
                    stored = TopicEvidence.from_dict(row.evidence or {})
            except ItemError as err:
                refuse(err)
            else:
                if stored.judgement == "not_tested":
                    notice(t("items.measured_not_tested", verdict=stored.sentence(lang)))
                else:
                    notice(t("items.measured", judgement=judgement_text(stored.judgement, item, stored)))


def render_history(item_id: int, n: int) -> None:
    """Every measurement the item was judged on, newest first."""
    with st.expander(t("items.evidence_history", n=n), icon=":material/history:"):
        with transaction() as session:
            history = evidence_history(session, item_id)
        rows = []
        for record in history.iloc[::-1].itertuples():
            result = record.result if isinstance(record.result, TopicEvidence) else None
            days = (result.period_start, result.fix_date, result.period_end) if result else (None, None, None)
            rows.append(
                {
                    t("items.history.measured_at"): selection.local_text(record.measured_at),
                    t("items.history.by"): record.measured_by,
                    t("items.history.period"): " · ".join(_day(d) for d in days),
                    t("items.history.result"): reports.evidence_text(result, lang),
                    t("items.history.judgement"): (
                        t(f"items.judgement_short.{record.judgement}")
                        if record.judgement in JUDGEMENTS
                        else str(record.judgement)
                    ),
                }
            )
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _day(day: date | None) -> str:
    """A stored day as the page shows it: ISO, "?" when not stored."""
    return day.isoformat() if day is not None else "?"


def evidence_defaults(item: pd.Series, evidence: TopicEvidence | None) -> tuple[date, date, date]:
    """The period to measure: the last one measured, else 60 days before the fix until today.

    Without a measured period the fix is taken at the due date, or 30 days ago when the due date
    lies ahead or is not set.
    """
    if evidence and evidence.period_start and evidence.fix_date and evidence.period_end:
        return evidence.period_start, evidence.fix_date, evidence.period_end
    today = date.today()
    due = item["due_on"] if isinstance(item["due_on"], date) else None
    fix = due if due and due < today else today - timedelta(days=30)
    return fix - timedelta(days=60), fix, today


def render_carry(item: pd.Series) -> None:
    """Carry the item over to a later round with a new due date; offers a next round when none exists."""
    item_id = int(item["id"])
    st.markdown(f"**{t('items.carry_heading')}**")
    st.caption(t("items.carry_intro"))
    with transaction() as session:
        rounds = [(r.id, r.name) for r in later_rounds(session, int(item["round_id"]))]
    if not rounds:
        st.caption(t("items.carry_no_round"))
        render_next_round(int(item["round_id"]))
        return
    with st.form(f"items_carry_{item_id}"):
        left, right = st.columns(2)
        to_round = left.selectbox(
            t("items.carry_to"), [r[0] for r in rounds], format_func=dict(rounds).__getitem__
        )
        due = right.date_input(t("items.carry_due"), value=None)
        if st.form_submit_button(t("items.carry"), icon=":material/redo:"):
            try:
                with transaction() as session:
                    copy = carry_over(
                        session, item_id, int(to_round), user.username, due if isinstance(due, date) else None
                    )
                    copy_id = copy.id
            except ItemError as err:
                refuse(err)
            else:
                notice(t("items.carried", round=dict(rounds)[int(to_round)], id=copy_id))


def render_next_round(after_round_id: int) -> None:
    """Open the round after this one, so unfinished work has somewhere to go."""
    with st.form(f"items_next_round_{after_round_id}"):
        st.markdown(f"**{t('items.next_round_heading')}**")
        st.caption(t("items.next_round_intro"))
        name = st.text_input(t("items.next_round_name"), max_chars=120, key=f"items_nr_name_{after_round_id}")
        left, right = st.columns(2)
        starts = left.date_input(
            t("items.next_round_starts"), value=None, key=f"items_nr_start_{after_round_id}"
        )
        ends = right.date_input(t("items.next_round_ends"), value=None, key=f"items_nr_end_{after_round_id}")
        if st.form_submit_button(t("items.next_round_create"), icon=":material/add:"):
            try:
                with transaction() as session:
                    created = create_next_round(
                        session,
                        after_round_id,
                        name,
                        starts if isinstance(starts, date) else None,
                        ends if isinstance(ends, date) else None,
                    )
                    audit(
                        session, user.username, "round.create", "round", created.id, {"after": after_round_id}
                    )
                    created_name = created.name
            except WorkspaceError as err:
                st.error(t(f"items.next_round_error.{err.code}"))
            else:
                notice(t("items.next_round_created", round=created_name))


def render_detail(items: pd.DataFrame, late: pd.Series) -> None:
    """One picked item in full: where it stands, and the edit, status, evidence and carry-over sections."""
    ids = items["id"].astype(int).tolist()
    labels = {
        int(r.id): f"#{int(r.id)} {r.title} · {status_name(str(r.status), bool(r.verification_lost))}"
        for r in items.itertuples()
    }
    chosen = st.session_state.pop("items_pick_next", st.session_state.get("items_pick"))
    st.session_state["items_pick"] = chosen if chosen in ids else ids[0]
    item_id = st.selectbox(t("items.pick"), ids, format_func=labels.__getitem__, key="items_pick")
    position = ids.index(int(item_id))
    item = items.iloc[position]
    st.subheader(f"#{item_id} {plain(item['title'])}")  # titles are typed: shown as typed, never as Markdown
    topic = (
        t("items.detail.topic", topic=plain(topic_name(item)))
        if topic_name(item)
        else t("items.detail.no_topic")
    )
    status = status_name(str(item["status"]), bool(item["verification_lost"]))
    st.caption(f"{topic} · {plain(item['round_name'])} · {status}")
    if topic_name(item):
        st.caption(t("items.detail.topic_key", code=plain(item["topic_key"])))
    if not pd.isna(item["carried_from_id"]):
        st.caption(t("items.detail.carried_from", id=int(item["carried_from_id"])))
    if bool(late.iloc[position]):
        st.warning(t("items.detail.overdue", due=item["due_on"]))
    carried = item["status"] == "carried_over"
    if carried:
        st.info(t("items.detail.carried_over"))
    editable = can_edit and not carried
    if editable:
        with st.expander(t("items.edit"), icon=":material/edit:"):
            render_edit(item)
        render_status(item)
    if isinstance(item["bench_metric"], str) or item["benchmark_evidence"] is not None:
        feedback, model = st.columns(2)  # both kinds of evidence side by side
        with feedback:
            st.markdown(f"##### {t('items.feedback_heading')}")
            render_evidence(item, editable)
        with model:
            render_model_evidence(item, lang)
    else:
        render_evidence(item, editable)
    if editable and item["status"] != "verified":
        render_carry(item)


def render_add() -> None:
    """The form to open a new item in the selected round; a single round must be selected."""
    assert selection is not None
    with st.expander(t("items.add"), icon=":material/add_task:"):
        st.caption(t("items.add_intro"))
        if not selection.round_id:
            st.info(t("items.add_needs_round"))
            return
        with st.form("items_add", clear_on_submit=True):
            title = st.text_input(t("items.field.title"), max_chars=200, key="items_add_title")
            left, right = st.columns(2)
            owner = left.text_input(t("items.field.owner"), max_chars=80, key="items_add_owner")
            metric = right.text_input(t("items.field.metric"), max_chars=80, key="items_add_metric")
            baseline = left.number_input(t("items.field.baseline"), value=None, key="items_add_baseline")
            target = right.number_input(t("items.field.target"), value=None, key="items_add_target")
            due = left.date_input(t("items.field.due"), value=None, key="items_add_due")
            if st.form_submit_button(t("items.create"), type="primary", icon=":material/assignment_add:"):
                new = NewItem(
                    title, None, owner, metric, baseline, target, due if isinstance(due, date) else None
                )
                try:
                    with transaction() as session:
                        item_id = open_item(session, selection.round_id, new, user.username).id
                except ItemError as err:
                    refuse(err)
                else:
                    st.session_state["items_pick_next"] = item_id  # the picker exists already this run
                    notice(t("items.added", id=item_id))


# ---------------------------------------------------------------------------------------------
# The page

# A link from the overview (?item=5) opens that item; the parameter goes once read, so the picker rules.
linked = str(st.query_params.pop("item", ""))
if linked.isdigit():
    st.session_state["items_pick_next"] = int(linked)
message = st.session_state.pop("items_notice", None)
if message:
    st.success(message)
items = load()
today = selection.today()  # the workspace's day: the overview counts "overdue" the same way
late = overdue(items, today)
if items.empty:
    st.info(t("items.none"))
else:
    render_summary(items, today)
    render_table(items, late)
    render_detail(items, late)
if can_edit:
    render_add()
else:
    st.caption(t("items.read_only"))
