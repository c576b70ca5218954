"""Outreach: triggers become tracked, personalised messages split across variants."""
