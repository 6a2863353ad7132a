"""Small-number suppression for figures that leave the organisation.

A count of 1 up to the threshold minus one can point at a person, so it is hidden (primary
suppression). Where the cells of a group add up to a published total, one hidden cell could be
worked out from the total and the others, so a second cell is hidden too: the smallest other
non-zero one, or the total when there is none (secondary suppression). Zero is shown: it names nobody.
"""

from django.conf import settings


def suppression_threshold() -> int:
    return settings.REPORT_SUPPRESSION_THRESHOLD


def is_small(count: int | None, threshold: int) -> bool:
    return count is not None and 0 < count < threshold


def suppress_group(counts: list[int], total: int | None, threshold: int) -> tuple[set[int], bool]:
    """Which cells of a group (by index) to hide, and whether to hide its total.

    `total` is the published sum of `counts` (None when the group publishes none)."""
    hidden = {index for index, count in enumerate(counts) if is_small(count, threshold)}
    total_hidden = is_small(total, threshold)
    if total is not None and not total_hidden and len(hidden) == 1:
        others = [index for index, count in enumerate(counts) if index not in hidden and count > 0]
        if others:
            hidden.add(min(others, key=lambda index: (counts[index], index)))
        else:
            total_hidden = True
    return hidden, total_hidden


# The output-financing lines: the counts, and what follows from the outflow rate (the rate, the factor and
# the money computed from it). Finished × rate gives the started away, so the rate goes where either hides.
FINANCING_COUNTS = ("finished", "started", "protected", "window_open")
FINANCING_FROM_RATE = ("rate", "factor", "output_part", "amount")


def financing_hidden(periods: list[dict[str, int]], total: dict[str, int], threshold: int) -> list[set[str]]:
    """The names to hide on each line of a financing report: the periods' lines, then the programme's
    total line. Each count is a group over the periods with the programme's total as its sum."""
    hidden: list[set[str]] = [set() for _ in range(len(periods) + 1)]
    for name in FINANCING_COUNTS:
        cells, total_hidden = suppress_group([line[name] for line in periods], total[name], threshold)
        for index in cells:
            hidden[index].add(name)
        if total_hidden:
            hidden[-1].add(name)
    for names in hidden:
        if names & {"finished", "started"}:
            names.update(FINANCING_FROM_RATE)
    return hidden
