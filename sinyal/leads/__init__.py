"""Stage 4, leads: what the chat learnt, read, scored and kept; its lifecycle and export."""
