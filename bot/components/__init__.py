"""Custom NLU components for Sinyal's Rasa pipeline (imported by Rasa from the bot directory)."""
