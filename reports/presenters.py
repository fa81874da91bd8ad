"""From figures to what a page shows: tables (also the CSV) and charts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from staff.selectors import weights_in_use

from . import charts
from .figures.capacity import CapacityRow, capacity_plan
from .figures.caseloads import caseload_trend, policy_caps, queue_now, queue_waiting
from .figures.common import OUTCOME_ORDER, UNION_BAND
from .figures.contacts import ContactFigures, contact_report
from .figures.exits import exit_figures, outcome_labels
from .figures.keyfigures import key_figures
from .figures.trial import exclusion_labels, trial_report
from .scope import ReportFilter, Scope

MAX_CHARTS = 8


@dataclass(frozen=True)
class Column:
    name: str  # CSV header, stable across languages
    label: str
    kind: str = "int"  # int, float (one decimal), float2, float3, share, text


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)

    @property
    def csv_header(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def csv_rows(self) -> list[list]:
        return self.rows

    @property
    def cells(self):
        """Rows as (value, kind) pairs for the template."""
        kinds = [column.kind for column in self.columns]
        return [list(zip(row, kinds, strict=True)) for row in self.rows]


@dataclass
class Page:
    tables: dict[str, Table]
    charts: list[charts.Chart] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


# --- Caseloads over time -------------------------------------------------------------------


def caseloads_page(*, scope: Scope, filters: ReportFilter, group_by: str) -> Page:
    points = caseload_trend(scope=scope, filters=filters, group_by=group_by)
    trend = Table(
        _("Cases per full-time caseworker"),
        [
            Column("date", _("Date"), "text"),
            Column("group", _("Group"), "text"),
            Column("caseworkers", _("Caseworkers")),
            Column("median_per_fte", _("Median per FTE"), "float"),
            Column("p90_per_fte", _("90th percentile per FTE"), "float"),
            Column("over_cap_share", _("Share over cap"), "share"),
            Column("queued", _("Queued cases")),
            # In load (what the cases weigh): appended, so the count columns keep their place.
            Column("median_load_per_fte", _("Median load per FTE"), "float"),
            Column("p90_load_per_fte", _("90th percentile load per FTE"), "float"),
            Column("over_cap_share_by_load", _("Share over cap by load"), "share"),
        ],
        [
            [
                p.date.isoformat(),
                p.label,
                p.caseworkers,
                p.median_per_fte,
                p.p90_per_fte,
                p.over_cap_share,
                p.queued,
                p.median_load_per_fte,
                p.p90_load_per_fte,
                p.over_cap_share_by_load,
            ]
            for p in points
        ],
    )
    waiting = Table(
        _("Waiting time in the queue"),
        [
            Column("month", _("Month"), "text"),
            Column("allocated_from_queue", _("Allocated from the queue")),
            Column("mean_wait_hours", _("Mean wait (hours)"), "float"),
        ],
        [
            [m.month.strftime("%Y-%m"), m.allocated_from_queue, m.mean_wait_hours]
            for m in queue_waiting(scope=scope, filters=filters)
        ],
    )
    caps = policy_caps()
    # Without weights the load lines would lie on the count lines: drawn only when they can differ.
    weighted = weights_in_use()
    by_group: dict = defaultdict(list)
    for p in points:
        by_group[(p.group, p.label)].append(p)
    page_charts = []
    for (group, label), rows in list(by_group.items())[:MAX_CHARTS]:
        references = [(_("Policy cap %(cap)s") % {"cap": caps[group]}, caps[group])] if group in caps else []
        series = [
            (_("Median"), [(r.date, r.median_per_fte) for r in rows]),
            (_("90th percentile"), [(r.date, r.p90_per_fte) for r in rows]),
        ]
        if weighted:
            series.append((_("Median load"), [(r.date, r.median_load_per_fte) for r in rows]))
        page_charts.append(
            charts.line_chart(
                series,
                references=references,
                band=(_("Union recommendation 40–55"), *UNION_BAND),
                title=label,
            )
        )
    now = queue_now(scope=scope, filters=filters)
    return Page(
        {"caseloads": trend, "waiting": waiting},
        page_charts,
        {"queue_now": now, "band": UNION_BAND, "weighted": weighted},
    )


# --- Exit pattern -------------------------------------------------------------------------


def exits_page(*, scope: Scope, filters: ReportFilter, group_by: str) -> Page:
    labels = outcome_labels()
    rows, overall, medians = exit_figures(scope=scope, filters=filters, group_by=group_by)
    columns = [
        Column("quarter", _("Quarter"), "text"),
        Column("group", _("Group"), "text"),
        Column("exits", _("Exits")),
    ]
    columns += [Column(o, labels[o]) for o in OUTCOME_ORDER]
    columns += [Column(f"{o}_share", _("%(outcome)s, share") % {"outcome": labels[o]}, "share") for o in OUTCOME_ORDER]
    pattern = Table(
        _("Exits by outcome"),
        columns,
        [
            [r.quarter, r.label, r.total, *(r.counts[o] for o in OUTCOME_ORDER), *(r.shares[o] for o in OUTCOME_ORDER)]
            for r in rows
        ],
    )
    durations = Table(
        _("Time from intake to exit"),
        [
            Column("group", _("Group"), "text"),
            Column("exits", _("Exits")),
            Column("median_days", _("Median days"), "float"),
        ],
        [[d.label, d.exits, d.median_days] for d in medians],
    )
    chart = charts.stacked_bars(
        [(r.quarter, [(labels[o], r.shares[o]) for o in OUTCOME_ORDER]) for r in overall],
        title=_("Exits by outcome, all groups"),
    )
    legend = [(labels[o], charts.PALETTE[i % len(charts.PALETTE)]) for i, o in enumerate(OUTCOME_ORDER)]
    return Page({"exits": pattern, "time_to_exit": durations}, [chart], {"legend": legend})


# --- Contacts -----------------------------------------------------------------------------


def contact_columns() -> list[Column]:
    """The figures of a contacts row, in the order the tables show them."""
    return [
        Column("cases", _("Cases")),
        Column("deadlines", _("Contact deadlines")),
        Column("met_on_time", _("Met on time")),
        Column("missed", _("Missed")),
        Column("share_on_time", _("Share met on time"), "share"),
        Column("held", _("Jobsamtaler held")),
        Column("citizen_months", _("Citizen-months"), "float"),
        Column("held_per_citizen_month", _("Jobsamtaler per citizen-month"), "float2"),
        Column("no_shows", _("No-shows")),
        Column("no_show_rate", _("No-show rate"), "share"),
    ]


def contact_cells(figures: ContactFigures | None) -> list:
    names = [column.name for column in contact_columns()]
    return [getattr(figures, name) if figures else None for name in names]


def contacts_page(*, scope: Scope, filters: ReportFilter, group_by: str) -> Page:
    rows = contact_report(scope=scope, filters=filters, group_by=group_by)
    table = Table(
        _("Contact per quarter"),
        [Column("quarter", _("Quarter"), "text"), Column("group", _("Group"), "text"), *contact_columns()],
        [[r.quarter, r.label, *contact_cells(r)] for r in rows],
    )
    return Page({"contacts": table})


# --- Key figures --------------------------------------------------------------------------


def key_figures_page(*, scope: Scope, filters: ReportFilter) -> Page:
    table = Table(
        _("Key figures per quarter"),
        [
            Column("quarter", _("Quarter"), "text"),
            Column("jobparat", _("Citizens, job-ready")),
            Column("aktivitetsparat", _("Citizens, activity-ready")),
            Column("cases_per_fte", _("Cases per full-time caseworker"), "float"),
            Column("exits", _("Exits")),
            Column("exits_job_or_education", _("Exits to job or education")),
            Column("share_job_or_education", _("Share to job or education"), "share"),
        ],
        [
            [
                k.quarter,
                k.jobparat,
                k.aktivitetsparat,
                k.cases_per_fte,
                k.exits,
                k.exits_job_or_education,
                k.share_job_or_education,
            ]
            for k in key_figures(scope=scope, filters=filters)
        ],
    )
    return Page({"key_figures": table})


# --- Capacity planning --------------------------------------------------------------------


def capacity_page(
    *, scope: Scope, filters: ReportFilter, caps: dict, cost_per_fte: int | None, weights: dict | None = None
) -> Page:
    rows: list[CapacityRow] = capacity_plan(
        scope=scope, filters=filters, caps=caps, cost_per_fte=cost_per_fte, weights=weights
    )
    table = Table(
        _("Capacity plan"),
        [
            Column("unit_type", _("Unit type"), "text"),
            Column("open_cases", _("Open cases")),
            Column("queued", _("Queued")),
            Column("caseworkers", _("Active caseworkers")),
            Column("fte", _("FTE today"), "float"),
            Column("policy_cap", _("Policy cap")),
            Column("cap", _("Cap used")),
            Column("fte_needed", _("FTE needed"), "float"),
            Column("fte_gap", _("Gap (FTE)"), "float"),
            Column("net_growth_per_year", _("Net growth per year (cases)")),
            Column("fte_needed_in_a_year", _("FTE needed in a year"), "float"),
            Column("yearly_cost_of_gap", _("Yearly cost of the gap (DKK)")),
            # In load, beside the count: appended, so the count columns keep their place.
            Column("weight_simple", _("Weight, simple"), "float2"),
            Column("weight_complex", _("Weight, complex"), "float2"),
            Column("weight_very_complex", _("Weight, very complex"), "float2"),
            Column("workload_load", _("Workload in load"), "float2"),
            Column("load_fte_needed", _("FTE needed in load"), "float2"),
            Column("load_fte_gap", _("Gap in load (FTE)"), "float2"),
            Column("load_caseworkers_needed", _("Full-time caseworkers needed in load")),
        ],
        [
            [
                r.label,
                r.open_cases,
                r.queued,
                r.caseworkers,
                r.fte,
                r.policy_cap,
                r.cap,
                r.fte_needed,
                r.fte_gap,
                r.net_growth_per_year,
                r.fte_needed_in_a_year,
                r.yearly_cost_of_gap,
                r.weight_simple,
                r.weight_complex,
                r.weight_very_complex,
                r.workload_load,
                r.load_fte_needed,
                r.load_fte_gap,
                r.load_caseworkers_needed,
            ]
            for r in rows
        ],
    )
    return Page({"capacity": table})


# --- Trial --------------------------------------------------------------------------------


def trial_page(*, trial) -> Page:
    report = trial_report(trial=trial)
    labels = outcome_labels()
    arms = Table(
        _("Arms"),
        [
            Column("arm", _("Arm"), "text"),
            Column("teams", _("Teams"), "text"),
            Column("included", _("Included")),
            Column("still_open", _("Still open")),
            *(Column(o, labels[o]) for o in OUTCOME_ORDER),
            Column("share_job_or_education", _("Share to job or education"), "share"),
            Column("ci_low", _("95 % CI, low"), "share"),
            Column("ci_high", _("95 % CI, high"), "share"),
            Column("difference", _("Difference from %(arm)s") % {"arm": report.reference}, "share"),
            Column("difference_low", _("Difference, 95 % CI low"), "share"),
            Column("difference_high", _("Difference, 95 % CI high"), "share"),
            Column("p_value", _("p-value"), "float3"),
            Column("median_days_to_exit", _("Median days to exit"), "float"),
        ],
    )
    for arm in report.arms:
        share, diff, survival = arm.job_or_education, arm.difference, arm.survival
        arms.rows.append(
            [
                arm.name,
                ", ".join(arm.teams),
                arm.included,
                arm.still_open,
                *(arm.exits[o] for o in OUTCOME_ORDER),
                share.share if share else None,
                share.low if share else None,
                share.high if share else None,
                diff.difference if diff else None,
                diff.low if diff else None,
                diff.high if diff else None,
                diff.p_value if diff else None,
                survival.median_days if survival else None,
            ]
        )
    contacts = Table(
        _("Contact and exits per arm"),
        [
            Column("arm", _("Arm"), "text"),
            Column("included", _("Included")),
            Column("share_job_or_education", _("Share to job or education"), "share"),
            Column("median_days_to_exit", _("Median days to exit"), "float"),
            *contact_columns(),
        ],
        [
            [
                arm.name,
                arm.included,
                arm.job_or_education.share if arm.job_or_education else None,
                arm.survival.median_days if arm.survival else None,
                *contact_cells(arm.contacts),
            ]
            for arm in report.arms
        ],
    )
    by_quarter = Table(
        _("Contact per quarter and arm"),
        [Column("quarter", _("Quarter"), "text"), Column("arm", _("Arm"), "text"), *contact_columns()],
        [[r.quarter, r.label, *contact_cells(r)] for r in report.contacts_by_quarter],
    )
    reasons = exclusion_labels()
    excluded = Table(
        _("Excluded at intake"),
        [Column("reason", _("Reason"), "text"), Column("cases", _("Cases"))],
        [[reasons.get(reason, reason), n] for reason, n in sorted(report.excluded.items())],
    )
    curves = Table(
        _("Kaplan–Meier: share still in the programme"),
        [
            Column("arm", _("Arm"), "text"),
            Column("day", _("Day"), "int"),
            Column("at_risk", _("At risk")),
            Column("survival", _("Still in the programme"), "share"),
            Column("low", _("95 % CI, low"), "share"),
            Column("high", _("95 % CI, high"), "share"),
        ],
        [
            [arm.name, p.day, p.at_risk, p.survival, p.low, p.high]
            for arm in report.arms
            if arm.survival
            for p in arm.survival.points
        ],
    )
    chart = charts.step_chart(
        [(arm.name, [(p.day, p.survival) for p in arm.survival.points]) for arm in report.arms if arm.survival],
        title=_("Time to exit (Kaplan–Meier)"),
    )
    return Page(
        {
            "arms": arms,
            "contacts": contacts,
            "contacts_by_quarter": by_quarter,
            "excluded": excluded,
            "survival": curves,
        },
        [chart],
        {"report": report},
    )
