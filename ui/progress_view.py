"""My progress: competency profile, certificates, attempt history and the refresher."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from store import learning
from store.models import User
from training import competency
from training.certificate import Standing, certificate_pdf
from training.competency import personal_profile
from training.models import COMPETENCY_LABELS
from training.scores import format_score
from ui import content, observe_view, practice_view
from ui.dates import format_date, format_datetime, local_date
from ui.text import plain

TABS = ["Overview", "Observations", "Certificates", "History", "Refresher"]


def render(user: User) -> None:
    """Draw the progress page."""
    st.title("My progress")
    modules = content.modules()
    progress = learning.progress_rows(user_id=user.id)
    wanted = st.query_params.get("tab", "").capitalize()
    overview, observed, certs, hist, refresher = st.tabs(
        TABS, default=wanted if wanted in TABS else None, key="progress_tabs"
    )
    with overview:
        _overview(modules, progress)
        observe_view.knows_and_does(user, knows(modules, progress))
        practice_view.memory_strength(user, modules)
    with observed:
        observe_view.my_observations(user)
    with certs:
        _certificates(user, modules, progress)
    with hist:
        _history(user, modules)
    with refresher:
        _refresher(user, modules)


def competency_profile(modules, progress) -> pd.DataFrame:
    """Return the profile (training.competency.personal_profile) as the chart's table."""
    competency_of = {mid: lm.module.competency for mid, lm in modules.items()}
    return pd.DataFrame(
        [
            {
                "Competency": COMPETENCY_LABELS[n.competency],
                "Best score (%)": n.best_score,
                "Modules passed": f"{n.passed} of {n.modules}",
            }
            for n in personal_profile(competency_of, progress)
        ]
    )


def knows(modules, progress) -> dict[str, float | None]:
    """Return what the person knows per need (training.competency.knows; None: not tried yet)."""
    return competency.knows({mid: lm.module.competency for mid, lm in modules.items()}, progress)


def _overview(modules, progress) -> None:
    passed = sum(1 for p in progress.values() if p.passed_at)
    attempts = sum(p.attempt_count for p in progress.values())
    a, b, c = st.columns(3)
    a.metric("Modules passed", f"{passed} of {len(modules)}")
    b.metric("Quiz attempts", attempts)
    scores = [p.best_score for p in progress.values() if p.best_score is not None]
    c.metric("Average best score", format_score(sum(scores) / len(scores)) if scores else "–")
    st.subheader("Competency profile")
    st.caption("Your best quiz score for each of the eight basic customer needs.")
    frame = competency_profile(modules, progress)
    chart = (
        alt.Chart(frame)
        .mark_bar(color="#0f6e6e", cornerRadiusEnd=3)
        .encode(
            x=alt.X(
                "Best score (%):Q",
                scale=alt.Scale(domain=[0, 100]),
                title="Best score (%)",
                axis=alt.Axis(values=list(range(0, 101, 10))),
            ),
            y=alt.Y("Competency:N", sort=None, title=None, axis=alt.Axis(labelLimit=220)),
            tooltip=["Competency", "Best score (%)", "Modules passed"],
        )
        .properties(height=280)
    )
    rule = (
        alt.Chart(pd.DataFrame({"x": [80]}))
        .mark_rule(strokeDash=[4, 4], color="#888")
        .encode(x="x:Q")
    )
    st.altair_chart(chart + rule, width="stretch")


def _certificates(user: User, modules, progress) -> None:
    issued = learning.certificates(user_id=user.id)
    if not issued:
        st.info("Pass a module's quiz to earn its certificate.")
        return
    latest = [c for c in issued if c.standing is not Standing.SUPERSEDED]
    for cert in latest:
        title = _title(modules, cert.module_id)
        with st.container(border=True):
            left, right = st.columns([3, 1], vertical_alignment="center")
            until = (
                f"valid until {format_date(cert.expires_at)}"
                if cert.expires_at
                else "does not expire"
            )
            state = (
                ":green-badge[valid]"
                if cert.standing is Standing.CURRENT
                else ":red-badge[expired]"
            )
            left.markdown(
                f"**{plain(title)}** {state}  \nPassed {format_date(cert.passed_at)} with "
                f"{format_score(cert.score)} · {until} · `{cert.certificate_id}`"
            )
            right.download_button(
                "Certificate (PDF)",
                data=_certificate(
                    cert.certificate_id,
                    user.name,
                    title,
                    cert.score,
                    local_date(cert.passed_at),
                    local_date(cert.expires_at) if cert.expires_at else None,
                ),
                file_name=f"certificate-{cert.module_id}.pdf",
                mime="application/pdf",
                key=f"progress_cert_{cert.module_id}",
                icon=":material/download:",
                on_click="ignore",
            )
    earlier = [c for c in issued if c.standing is Standing.SUPERSEDED]
    if earlier:
        with st.expander(f"Earlier certificates ({len(earlier)})", icon=":material/history:"):
            st.caption(
                "Certificates from earlier passes still verify: each keeps its own score "
                "and dates, and a check shows it was replaced by a later pass."
            )
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Module": _title(modules, c.module_id),
                            "Certificate": c.certificate_id,
                            "Passed": format_date(c.passed_at),
                            "Score": format_score(c.score),
                            "Valid until": format_date(c.expires_at),
                        }
                        for c in earlier
                    ]
                ),
                hide_index=True,
                width="stretch",
                placeholder="",
            )


def _title(modules, module_id: str) -> str:
    return modules[module_id].module.title if module_id in modules else module_id


@st.cache_data(show_spinner=False, max_entries=256)
def _certificate(
    certificate_id: str,
    name: str,
    title: str,
    score: float,
    passed_on: date,
    valid_until: date | None,
) -> bytes:
    # Built once per certificate and handed over as bytes: the deferred (callable) download
    # once served a truncated file in the browser journey.
    return certificate_pdf(
        certificate_id=certificate_id,
        learner_name=name,
        module_title=title,
        score=score,
        passed_on=passed_on,
        valid_until=valid_until,
    )


def _history(user: User, modules) -> None:
    attempts = learning.history(user_id=user.id)
    if not attempts:
        st.info("No quiz attempts yet.")
        return
    # A list, not a table: on a phone a four-column table is cut off at the right.
    lines = []
    for a in attempts:
        title = modules[a.module_id].module.title if a.module_id in modules else a.module_id
        result = ":green[Passed]" if a.passed else ":orange[Not passed]"
        lines.append(
            f"- **{plain(title)}** · {format_score(a.score)} · {result}  \n"
            f"  {format_datetime(a.submitted_at)}"
        )
    st.markdown("\n".join(lines))


def _refresher(user: User, modules) -> None:
    st.write(
        "A short review of questions from your earlier quizzes, each one when you are about to "
        "forget it (the FSRS scheduler). It does not affect your scores."
    )
    practice_view.render(user, modules, key="progress_refresher", option_key="progress_ref")
