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
