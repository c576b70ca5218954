"""Stage 5, handover: routing a lead to a consultant, notifying, escalating, the desk."""
