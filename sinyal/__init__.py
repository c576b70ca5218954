"""Sinyal: buying signals -> outreach -> a Rasa qualification chat -> a lead handed to a consultant.

Kept free of third-party imports: ``python3 -m sinyal.bootstrap`` runs before any are installed.
"""

__version__ = "0.1.0"
