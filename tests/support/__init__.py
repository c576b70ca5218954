"""What tests and benchmarks share: stand-ins for the peers Sinyal talks to, and plain helpers.

Each module holds one concept and says in its docstring which real peer or piece of the
machine it stands in for. Nothing here is a pytest fixture: the conftest files wrap these in
fixtures, and benchmarks import them from here (never from a conftest or a test module).

- ``telegram_api``: the Telegram Bot API (python-telegram-bot's ``base_url``), with faults.
- ``smtp``: SMTP servers (aiosmtpd): a scriptable sink, and one that records AUTH.
- ``webhook``: a CRM's webhook endpoint, scriptable per idempotency key.
- ``rasa_rest``: Rasa's REST channel, for the web chat and the gateway.
- ``chat_widget``: rasa-webchat, the website chat widget's socket.io client.
- ``action_tracker``: the trackers Rasa hands the action server; the action store's caches.
- ``slow_hosts``: many slow job hosts (ATS feeds) on loopback.
- ``trap_site``: hostile job sites: huge pages, gzip bombs, redirects anywhere.
- ``postgres``: the machine's PostgreSQL, fresh databases on it, and throwaway clusters.
- ``redis_server``: the machine's Redis, and namespaces of a test's own on it.
- ``scrape_queue``: `sinyal scrape worker` processes and the queue's sending side.
- ``system``: the whole system as `sinyal run` starts it, and talking to its Rasa.
- ``web_server``: the web app served by uvicorn in a thread.
- ``sinyal_command``: the installed `sinyal` command and a clean environment to run it in.
- ``ports``: free loopback ports.
- ``factories``: store rows several tests need (outreach, leads, a flow's companies).
- ``waiting``: polling until a condition holds.
"""
