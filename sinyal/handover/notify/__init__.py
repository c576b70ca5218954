"""Telling consultants about leads: the outbox, the channels and the dispatcher that joins them.

hand_over (sinyal/handover/hand_over.py) writes ``notifications`` rows in the transaction that
hands the lead over (``outbox.enqueue``); ``Dispatcher`` delivers them through ``channels`` with
retries, from any number of processes. The lead card is rendered at delivery time (``card``).
"""
