"""Worked solutions for the exercises of notebooks/01_foundations/08_faq_privacy."""
from __future__ import annotations

import re


def exercise_a():
    """One regular expression: a run of name characters, an @, then a domain ending in a dot and 2+ letters."""
    pattern = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")

    def mask_emails(text):
        return pattern.sub("[EMAIL]", text)

    return mask_emails


def wrong_a():
    """Masks only the part before the @, leaving the domain (which still identifies people)."""
    pattern = re.compile(r"[A-Za-z0-9._%+-]+(?=@)")

    def mask_emails(text):
        return pattern.sub("[EMAIL]", text)

    return mask_emails


def exercise_b():
    """Compare every member with every non-member: 1 when the member's loss is lower, 0.5 on a tie; average."""
    def attack_auc(member_losses, non_member_losses):
        total = 0.0
        for m in member_losses:
            for o in non_member_losses:
                total += 1.0 if m < o else 0.5 if m == o else 0.0
        return total / (len(member_losses) * len(non_member_losses))

    return attack_auc


def wrong_b():
    """Forgets the ties (counts them as 0), which underestimates the AUC."""
    def attack_auc(member_losses, non_member_losses):
        pairs = [(m, o) for m in member_losses for o in non_member_losses]
        return sum(m < o for m, o in pairs) / len(pairs)

    return attack_auc
