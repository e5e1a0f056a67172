"""Every measure as one table (caption, column labels, rows of values). The page's data tables
(the text equivalent of each chart), the Excel sheets and the CSV files are all written from
these, so the three can never disagree."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .selectors import SiteStatistics, rate


@dataclass(frozen=True)
class Table:
    key: str  # the `measure` of the CSV export, the sheet's place in the workbook
    title: str
    columns: list[str]
    rows: list[list]  # str, int, float, or None (nothing to divide)
    total: list | None = None  # a closing "total" row, when the columns add up

    def body(self) -> list[list[tuple]]:
        """Rows for the page's table: (value, is_number) per cell."""
        return [[(value, isinstance(value, (int, float))) for value in values] for values in self.rows]

    def total_cells(self) -> list[tuple]:
        return [(value, isinstance(value, (int, float))) for value in self.total or []]


MEASURES = {
    "monthly": _("Proposals and supports per month"),
    "thresholds": _("Threshold reach rate"),
    "debate_types": _("Debates and participation by vote type"),
    "debates": _("Debates opened in the range"),
    "decisions": _("Department decisions by outcome"),
    "answer_time": _("Answer time against the deadline"),
    "hours": _("Busiest hours"),
    "agencies": _("Per agency"),
}


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def tables_for(stats: SiteStatistics) -> list[Table]:
    t = stats.thresholds
    a = stats.answer_time
    tables = [
        Table("monthly", str(MEASURES["monthly"]), [str(_("Month")), str(_("Proposals")), str(_("Supports"))],
              [[row.label, row.proposals, row.supports] for row in stats.months],
              total=[str(_("Total")), stats.total_proposals, stats.total_supports]),
        Table("thresholds", str(MEASURES["thresholds"]), [str(_("Measure")), str(_("Proposals")), str(_("Share (%)"))], [
            [str(_("Support period ended in the range")), t.ended, None],
            [str(_("Reached the answer threshold")), t.reached_answer, t.answer_rate],
            [str(_("Reached the debate threshold")), t.reached_debate, t.debate_rate],
            [str(_("Failed the vote")), t.failed, rate(t.failed, t.ended)],
        ]),
        Table("debate_types", str(MEASURES["debate_types"]),
              [str(_("Vote type")), str(_("Debates")), str(_("Ballots")), str(_("Opinions")), str(_("Participation"))],
              [[row.label, row.debates, row.ballots, row.opinions, row.participation] for row in stats.debate_types],
              total=[str(_("Total")), sum(r.debates for r in stats.debate_types),
                     sum(r.ballots for r in stats.debate_types), sum(r.opinions for r in stats.debate_types),
                     stats.total_participation]),
        Table("debates", str(MEASURES["debates"]),
              [str(_("No.")), str(_("Agency")), str(_("Title")), str(_("Vote type")), str(_("Opens")),
               str(_("Closes")), str(_("Ballots")), str(_("Opinions")), str(_("Participation"))],
              [[d.pk, d.agency, d.title, d.type_label, _local(d.opens_at), _local(d.closes_at), d.ballots,
                d.opinions, d.participation] for d in stats.debates]),
        Table("decisions", str(MEASURES["decisions"]), [str(_("Decision")), str(_("Answers")), str(_("Share (%)"))],
              [[row.label, row.answers, row.share] for row in stats.decisions],
              total=[str(_("Total")), stats.total_decisions, None]),
        Table("answer_time", str(MEASURES["answer_time"]), [str(_("Measure")), str(_("Value"))], [
            [str(_("Reviews answered in the range")), a.answered],
            [str(_("Answered within the deadline")), a.within_deadline],
            [str(_("Answered within the deadline (%)")), a.within_share],
            [str(_("Answered after the deadline")), a.late],
            [str(_("Median days to answer")), a.median_days],
            [str(_("Reviews without an approved answer, today")), a.open_reviews],
            [str(_("Of which past their deadline, today")), a.overdue_open],
        ]),
        Table("hours", str(MEASURES["hours"]),
              [str(_("Hour")), str(_("Supports")), str(_("Ballots")), str(_("Total"))],
              [[f"{row.hour:02d}:00", row.supports, row.ballots, row.total] for row in stats.hours],
              total=[str(_("Total")), sum(r.supports for r in stats.hours), sum(r.ballots for r in stats.hours),
                     sum(r.total for r in stats.hours)]),
    ]
    if stats.site.is_city:
        tables.append(Table(
            "agencies", str(MEASURES["agencies"]),
            [str(_("Agency")), str(_("Proposals")), str(_("Supports")), str(_("Support period ended")),
             str(_("Reached the answer threshold")), str(_("Answer threshold reach rate (%)")),
             str(_("Reached the debate threshold")), str(_("Debates")), str(_("Participation")),
             str(_("Approved answers")), str(_("Answered within the deadline")),
             str(_("Overdue reviews, today"))],
            [[r.agency.name, r.proposals, r.supports, r.ended, r.reached_answer, r.answer_rate, r.reached_debate,
              r.debates, r.participation, r.approved_answers, r.answered_within_deadline, r.overdue_open]
             for r in stats.agencies],
        ))
    return tables


def table_for(stats: SiteStatistics, key: str) -> Table | None:
    return next((table for table in tables_for(stats) if table.key == key), None)
