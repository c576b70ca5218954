"""Sinyal's Rasa custom actions (rasa-sdk), served by ``python -m rasa_sdk --actions actions``.

Actions run in the engine's environment (Python >= 3.11) and write through ``sinyal.store``;
the Rasa server itself (Python 3.10) never touches the lead store.
"""
