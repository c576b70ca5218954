"""The web app: tracked links, unsubscribe pages and the website chat (``sinyal web``)."""
