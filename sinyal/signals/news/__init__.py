"""Company news as sales signals: pages and feeds read, classified into typed events
(expansion, funding, ... insolvency), attributed to companies. See docs/signals.md."""
