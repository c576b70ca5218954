"""One company's whole story: what it posts, why it is a trigger, what is said of it, what
was sent, clicked and chatted, its leads, how much it resembles the won clients, and all of it
on one timeline. Read by the dashboard's account page and ``sinyal accounts show``; it reads
every stage's tables, so it sits beside the KPIs, above the stages it reads.
"""
