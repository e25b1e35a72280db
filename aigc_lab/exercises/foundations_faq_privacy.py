"""Checks for the exercises of notebooks/01_foundations/08_faq_privacy."""
from __future__ import annotations

import math
import random

from . import exercise

_CASES = [
    ("write to ana@example.com today", "write to [EMAIL] today"),
    ("a.b-c_d+tag@mail.uni.edu, x9@corp.co.uk", "[EMAIL], [EMAIL]"),
    ("no address here, just 12 digits and an @ sign", "no address here, just 12 digits and an @ sign"),
    ("(li.wei42@example.org)", "([EMAIL])"),
]


@exercise("01_foundations.08.a", kind="function",
          hint="re.sub with a pattern: letters, digits and ._%+- before the @, then a domain with at least one dot.")
def _mask_emails(answer) -> bool:
    for text, masked in _CASES:
        try:
            value = answer(text)
        except NotImplementedError:      # an untouched stub: 'not attempted'
            raise
        except Exception:       # noqa: BLE001 -- a failing answer is a wrong answer
            return False
        if value != masked:
            return False
    return True


@exercise("01_foundations.08.b", kind="function",
          hint="Count, over every (member, non-member) pair, 1 when the member's loss is lower and 0.5 on a tie; divide by the number of pairs.")
def _attack_auc(answer) -> bool:
    from sklearn.metrics import roc_auc_score

    rng = random.Random(0)
    cases = [([0.1, 0.4], [0.2, 0.4]), ([1.0], [2.0]), ([3.0, 3.0], [1.0, 3.0, 0.5])]
    cases += [([rng.choice([0.1, 0.2, 0.5, 1.0, rng.random()]) for _ in range(m)],
               [rng.random() + 0.1 for _ in range(n)]) for m, n in ((5, 7), (20, 13))]
    for members, others in cases:
        reference = roc_auc_score([1] * len(members) + [0] * len(others), [-v for v in members + others])
        try:
            value = float(answer(list(members), list(others)))
        except NotImplementedError:      # an untouched stub: 'not attempted'
            raise
        except Exception:       # noqa: BLE001
            return False
        if not math.isclose(value, reference, rel_tol=1e-9, abs_tol=1e-12):
            return False
    return True
