"""Next best customers: companies ranked by how much they resemble the clients already won.

``universe.py`` says what the ranking reads (companies, their postings and news signals, won
and lost clients), from files (``files.py``) or the store (``from_store.py``); ``features.py``
turns each company into one vector; ``ranking.py`` scores every other company by its nearest
won client, with a learned model beside it once there are enough outcomes; ``evaluation.py``
measures that honestly (leave one won client out, data before its win only); ``scores.py``
keeps the store's ranking for triggers, outreach and the account page.
"""
