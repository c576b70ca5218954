"""Stage 3, the chat: conversations, senders, the gateway to Rasa, Telegram, transcripts."""
